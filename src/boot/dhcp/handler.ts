/**
 * One client message in, at most one reply out. Loads the client's view from the database,
 * plans per RFC 2131 (lease-plan.ts), applies the plan, and builds the reply. Full mode leases
 * addresses; proxy mode only answers PXE clients with boot data (yiaddr 0).
 */
import type { Db } from '../../db/index.js';
import type { NewEvent } from '../../events/index.js';
import { chooseBoot, isIpxe, isPxeClient, type BootConfig } from './bootfile.js';
import { DHCPACK, DHCPDISCOVER, DHCPINFORM, DHCPNAK, DHCPOFFER, DHCPREQUEST, type DhcpPacket } from './codec.js';
import { ipToInt, ZERO_IP } from './ipv4.js';
import { namedAddresses, planLease, type Plan } from './lease-plan.js';
import { declineAddress, findFreeAddress, loadClient, releaseLease, writeLease, type Takeover } from './lease-store.js';
import { buildReply } from './reply.js';
import type { Subnet } from './settings.js';

export interface HandlerContext {
  db: Db;
  server: string;
  subnets: Subnet[];
  boot: BootConfig;
  /** How long an OFFER holds its address for the client (ms). */
  offerHoldMs: number;
  /** How long a DECLINEd address stays out of the pool (ms). */
  declineHoldMs: number;
  /** Pool scan positions by subnet cidr, so allocations do not rescan from the start. */
  cursors: Map<string, { pos: number }>;
  event(e: NewEvent): void;
  count(what: string): void;
  debug(msg: string, data?: object): void;
}

/** The relay's subnet when relayed, else the subnet holding the server's own address (else the first). */
export function subnetFor(p: DhcpPacket, ctx: Pick<HandlerContext, 'server' | 'subnets'>): Subnet | null {
  const anchor = p.giaddr !== ZERO_IP ? p.giaddr : ctx.server;
  return ctx.subnets.find((s) => s.contains(anchor)) ?? (p.giaddr === ZERO_IP ? (ctx.subnets[0] ?? null) : null);
}

async function allocate(ctx: HandlerContext, subnet: Subnet): Promise<{ ip: string; takeover: Takeover } | null> {
  let cursor = ctx.cursors.get(subnet.cidr);
  if (!cursor) ctx.cursors.set(subnet.cidr, (cursor = { pos: 0 }));
  return findFreeAddress(ctx.db, subnet, cursor);
}

export async function handleFull(p: DhcpPacket, mac: string, ctx: HandlerContext): Promise<DhcpPacket | null> {
  const subnet = subnetFor(p, ctx);
  if (!subnet) {
    ctx.count('drop.no-subnet');
    ctx.debug('no configured subnet for this client', { mac, giaddr: p.giaddr });
    return null;
  }
  const { view, nodeName } = await loadClient(ctx.db, mac, (r) => namedAddresses(p, r));
  const plan: Plan = planLease(p, view, subnet, ctx.server);
  const boot = chooseBoot(p.options, mac, ctx.server, ctx.boot);
  const base = { server: ctx.server, hostname: nodeName, boot };
  const nak = (message: string) => {
    ctx.debug('NAK', { mac, reason: message });
    return buildReply(p, { type: DHCPNAK, server: ctx.server, message });
  };
  switch (plan.do) {
    case 'offer': {
      const reservedTakeover: Takeover = plan.ip !== null && plan.ip === view.reservation && view.holders.has(plan.ip) ? 'reservation' : null;
      for (let attempt = 0; attempt < 3; attempt++) {
        const pick = plan.ip !== null && attempt === 0 ? { ip: plan.ip, takeover: reservedTakeover } : await allocate(ctx, subnet);
        if (!pick) {
          ctx.count('pool-exhausted');
          ctx.event({ kind: 'dhcp.pool-exhausted', level: 'warn', mac, message: `no free address in ${subnet.cidr} for ${mac}` });
          return null;
        }
        if (pick.takeover === 'reservation') {
          ctx.event({
            kind: 'dhcp.reservation-taken',
            level: 'warn',
            mac,
            node: nodeName,
            message: `${pick.ip} is reserved for ${nodeName ?? mac}; another client's lease on it was ended`,
          });
        }
        const expiresAt = new Date(Date.now() + ctx.offerHoldMs);
        const ok = await writeLease(ctx.db, { mac, ip: pick.ip, state: 'offered', expiresAt, hostname: p.options.hostname ?? null, takeover: pick.takeover });
        if (ok) return buildReply(p, { ...base, type: DHCPOFFER, yiaddr: pick.ip, leaseTime: subnet.leaseTime, subnet });
        ctx.count('allocation-race');
      }
      return null;
    }
    case 'ack': {
      const expiresAt = new Date(Date.now() + subnet.leaseTime * 1000);
      const fresh = view.lease?.state !== 'bound' || view.lease.ip !== plan.ip;
      const ok = await writeLease(ctx.db, {
        mac,
        ip: plan.ip,
        state: 'bound',
        expiresAt,
        hostname: p.options.hostname ?? null,
        takeover: plan.ip === view.reservation ? 'reservation' : null,
      });
      if (!ok) return nak(`${plan.ip} was just taken by another client`);
      if (fresh)
        ctx.event({
          kind: 'dhcp.lease',
          mac,
          node: nodeName,
          message: `${plan.ip} leased to ${nodeName ?? mac}`,
          data: { ip: plan.ip, boot: boot?.kind ?? null },
        });
      return buildReply(p, { ...base, type: DHCPACK, yiaddr: plan.ip, leaseTime: subnet.leaseTime, subnet });
    }
    case 'nak':
      return nak(plan.reason);
    case 'inform':
      return buildReply(p, { ...base, type: DHCPACK, subnet });
    case 'forget-offer':
      await releaseLease(ctx.db, mac, true);
      return null;
    case 'release':
      await releaseLease(ctx.db, mac, false);
      ctx.debug('released', { mac, ip: plan.ip });
      return null;
    case 'decline':
      await declineAddress(ctx.db, mac, plan.ip, new Date(Date.now() + ctx.declineHoldMs));
      ctx.event({ kind: 'dhcp.declined', level: 'warn', mac, node: nodeName, message: `${mac} found ${plan.ip} already in use; the address is held back` });
      return null;
    case 'ignore':
      ctx.count('ignored');
      ctx.debug('ignored', { mac, reason: plan.reason });
      return null;
  }
}

/**
 * ProxyDHCP (PXE spec §2.2): DISCOVER on the DHCP port → OFFER; REQUEST or INFORM on the PXE
 * port (4011) → ACK. Boot data only: yiaddr stays 0, siaddr is always this server.
 */
export function handleProxy(p: DhcpPacket, mac: string, onPxePort: boolean, ctx: Pick<HandlerContext, 'server' | 'boot' | 'count'>): DhcpPacket | null {
  if (!isPxeClient(p.options) && !isIpxe(p.options)) {
    ctx.count('ignored.not-pxe');
    return null;
  }
  const type = p.options.messageType;
  const answers = onPxePort ? type === DHCPREQUEST || type === DHCPINFORM : type === DHCPDISCOVER;
  if (!answers) return null;
  const boot = chooseBoot(p.options, mac, ctx.server, ctx.boot);
  if (!boot) {
    ctx.count('ignored.no-bootfile');
    return null;
  }
  return buildReply(p, { type: onPxePort ? DHCPACK : DHCPOFFER, server: ctx.server, boot, proxy: true });
}

export function isValidServerAddress(ip: string): boolean {
  return ipToInt(ip) !== null && ip !== ZERO_IP;
}
