/**
 * Building replies and choosing where they go. Pure.
 */
import type { BootChoice } from './bootfile.js';
import { BOOTREPLY, DHCPNAK, FLAG_BROADCAST, type DhcpPacket } from './codec.js';
import { intToIp, ZERO_IP } from './ipv4.js';
import type { DhcpOptions } from './options.js';
import type { Subnet } from './settings.js';

/** PXE vendor sub-option 6 (discovery control) = 8: boot the file in this reply, no boot-server discovery. */
const PXE_BOOT_FROM_THIS_REPLY = new Map([[6, Buffer.from([8])]]);
/**
 * iPXE setting `no-pxedhcp` (option 175, sub-option 176) = 1: do not wait for ProxyDHCP offers.
 * Without it iPXE holds every full-mode offer ~3 s in case a ProxyDHCP server answers too; in
 * full mode muster is that server itself, so the wait is for nothing.
 */
const IPXE_NO_PXEDHCP = new Map([[176, Buffer.from([1])]]);
const OPT_BOOTFILE = 67;
const FILE_FIELD_BYTES = 127;

export interface ReplySpec {
  type: number;
  server: string;
  /** The address handed out (OFFER/ACK), absent for NAK, INFORM and proxy replies. */
  yiaddr?: string;
  leaseTime?: number;
  /** Network settings to include (not for NAK or proxy replies). */
  subnet?: Subnet;
  hostname?: string | null;
  boot?: BootChoice | null;
  /** ProxyDHCP: identify as a PXE server (option 60, 43) so ROMs take boot data only. */
  proxy?: boolean;
  message?: string;
}

export function buildReply(req: DhcpPacket, s: ReplySpec): DhcpPacket {
  const o: DhcpOptions = { messageType: s.type, serverId: s.server };
  if (s.yiaddr && s.leaseTime) {
    o.leaseTime = s.leaseTime;
    o.renewalTime = Math.floor(s.leaseTime / 2);
    o.rebindingTime = Math.floor((s.leaseTime * 7) / 8);
  }
  if (s.subnet) {
    o.subnetMask = intToIp(s.subnet.net.mask);
    o.broadcastAddress = intToIp(s.subnet.net.broadcast);
    if (s.subnet.gateway) o.routers = [s.subnet.gateway];
    if (s.subnet.dns.length > 0) o.dnsServers = s.subnet.dns;
    if (s.subnet.domain) o.domainName = s.subnet.domain;
  }
  if (s.hostname) o.hostname = s.hostname;
  if (s.message) o.message = s.message;
  const boot = s.type === DHCPNAK ? null : (s.boot ?? null);
  let file = '';
  if (boot) {
    // ROMs read the file field; clients that ask for option 67 (dnsmasq's habit) get it there too.
    const asked = req.options.parameterRequestList?.includes(OPT_BOOTFILE) ?? false;
    if (boot.bootfile.length <= FILE_FIELD_BYTES) file = boot.bootfile;
    if (asked || boot.bootfile.length > FILE_FIELD_BYTES) o.bootfileName = boot.bootfile;
    if (s.proxy || boot.vendorClass === 'HTTPClient') o.vendorClass = boot.vendorClass;
    if (s.proxy && (boot.kind === 'bios' || boot.kind === 'uefi')) o.vendorSpecific = PXE_BOOT_FROM_THIS_REPLY;
    if (s.proxy && req.options.clientUuid) o.clientUuid = req.options.clientUuid;
    if (!s.proxy && boot.kind === 'ipxe') o.ipxe = IPXE_NO_PXEDHCP;
  }
  if (req.options.relayAgentInfo) o.relayAgentInfo = req.options.relayAgentInfo;
  return {
    op: BOOTREPLY,
    htype: req.htype,
    hlen: req.hlen,
    hops: 0,
    xid: req.xid,
    secs: 0,
    flags: s.type === DHCPNAK && req.giaddr !== ZERO_IP ? req.flags | FLAG_BROADCAST : req.flags,
    ciaddr: s.type === DHCPNAK ? ZERO_IP : req.ciaddr,
    yiaddr: s.yiaddr ?? ZERO_IP,
    // next-server: iPXE ignores proxy offers without it, even for HTTP boot files.
    siaddr: boot ? s.server : ZERO_IP,
    giaddr: req.giaddr,
    chaddr: req.chaddr,
    sname: '',
    file,
    options: o,
  };
}

export const LIMITED_BROADCAST = '255.255.255.255';

export interface Target {
  address: string;
  port: number;
}

/**
 * RFC 2131 §4.1 without ARP injection: relayed → the relay (giaddr) at the port it sent from
 * (67 for real relays); a client that has an address (renewing, INFORM) → unicast to ciaddr;
 * everything else → limited broadcast.
 */
export function replyTarget(req: DhcpPacket, reply: DhcpPacket, from: Target, clientPort: number): Target {
  if (req.giaddr !== ZERO_IP) return { address: req.giaddr, port: from.port };
  if (reply.options.messageType !== DHCPNAK && req.ciaddr !== ZERO_IP) return { address: req.ciaddr, port: clientPort };
  return { address: LIMITED_BROADCAST, port: clientPort };
}

/** Hardware address as a canonical MAC, or null when it is not 6-byte Ethernet. */
export function clientMac(p: DhcpPacket): string | null {
  if (p.htype !== 1 || p.hlen !== 6) return null;
  return [...p.chaddr].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
