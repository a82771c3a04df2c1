import type { Config } from '../../config/index.js';
import type { Db } from '../../db/index.js';
import { MusterError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { inCidr, ipToInt, parseCidr } from './ipv4.js';
import type { DhcpServerOptions } from './server.js';
import type { SubnetInput } from './settings.js';

/**
 * The DHCP server's options from muster.conf: each `dhcp range` belongs to the `dhcp subnet` that
 * holds it; gateway, DNS, domain and lease time apply to every subnet. `httpPort` is the node
 * HTTP server's bound port (iPXE clients are sent there for their script).
 */
export function dhcpOptionsFromConfig(c: Config, deps: { db: Db; log: Logger; httpPort: number }): DhcpServerOptions {
  if (c.dhcpMode === 'off') throw new Error('dhcp mode is off');
  if (!c.dhcpServerAddress) {
    throw new MusterError('CONFIG_INVALID', "dhcp: no address for this master on the boot LAN; set 'dhcp server address' or 'master network device'");
  }
  const subnets: SubnetInput[] = c.dhcpSubnets.map((cidr) => ({
    cidr,
    ranges: [],
    ...(c.dhcpGateway ? { gateway: c.dhcpGateway } : {}),
    dns: c.dhcpDns,
    ...(c.dhcpDomain ? { domain: c.dhcpDomain } : {}),
    leaseTime: c.dhcpLeaseTime,
  }));
  for (const range of c.dhcpRanges) {
    const first = ipToInt(range.split('-')[0] ?? '');
    const home = subnets.find((s) => first !== null && inCidr(parseCidr(s.cidr)!, first));
    if (!home) throw new MusterError('CONFIG_INVALID', `dhcp range ${range} lies in no 'dhcp subnet' (${c.dhcpSubnets.join(', ') || 'none set'})`);
    home.ranges = [...(home.ranges ?? []), range];
  }
  if (c.dhcpMode === 'full' && !subnets.some((s) => (s.ranges ?? []).length > 0)) {
    throw new MusterError('CONFIG_INVALID', "dhcp mode = full needs a 'dhcp subnet' and a 'dhcp range' inside it");
  }
  return {
    db: deps.db,
    mode: c.dhcpMode,
    host: c.listen,
    port: c.dhcpPort,
    proxyPort: c.dhcpProxyPort,
    serverAddress: c.dhcpServerAddress,
    subnets,
    boot: { bios: c.bootFileBios, uefi: c.bootFileUefi, uefiHttp: c.bootFileUefiHttp, httpPort: deps.httpPort },
    log: deps.log,
  };
}
