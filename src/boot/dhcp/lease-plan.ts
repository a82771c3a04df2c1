/**
 * RFC 2131 §4.3 server decisions, pure: given a client's message and what the database says
 * about it, decide whether to offer, ACK, NAK, record a release or decline, or stay silent.
 * The handler loads the view, applies the plan in one short transaction and builds the reply.
 */
import { DHCPDECLINE, DHCPDISCOVER, DHCPINFORM, DHCPRELEASE, DHCPREQUEST, type DhcpPacket } from './codec.js';
import { ZERO_IP } from './ipv4.js';
import type { Subnet } from './settings.js';

export interface Lease {
  mac: string;
  ip: string;
  state: 'offered' | 'bound' | 'released';
  expiresAt: Date;
}

/** Another client's lease row on an address this request names. */
export interface Holder {
  mac: string;
  /** Bound or offered and not expired: taking it would hand out an address in use. */
  active: boolean;
}

export interface ClientView {
  mac: string;
  lease: Lease | null;
  /** The registered node's fixed address (nodes.ipaddr), if any. */
  reservation: string | null;
  /** Lease rows of other clients, by the addresses this request names. */
  holders: Map<string, Holder>;
}

export type Plan =
  /** ip null: take the next free pool address. */
  | { do: 'offer'; ip: string | null }
  | { do: 'ack'; ip: string }
  | { do: 'nak'; reason: string }
  | { do: 'ignore'; reason: string }
  /** The client took another server's offer: drop ours. */
  | { do: 'forget-offer' }
  | { do: 'release'; ip: string }
  | { do: 'decline'; ip: string }
  | { do: 'inform' };

function given(ip: string | undefined): string | null {
  return ip === undefined || ip === ZERO_IP ? null : ip;
}

/** The addresses a request names, which the handler looks up as possible holders. */
export function namedAddresses(p: DhcpPacket, reservation: string | null): string[] {
  return [given(p.options.requestedIp), given(p.ciaddr), reservation].filter((x): x is string => x !== null);
}

function planDiscover(p: DhcpPacket, v: ClientView, subnet: Subnet): Plan {
  const reserved = v.reservation !== null && subnet.contains(v.reservation) ? v.reservation : null;
  if (reserved) return { do: 'offer', ip: reserved };
  // Its own address, unless a node reservation or a decline has claimed it since.
  if (v.lease && subnet.inPool(v.lease.ip) && !v.holders.has(v.lease.ip)) return { do: 'offer', ip: v.lease.ip };
  const asked = given(p.options.requestedIp);
  if (asked && subnet.inPool(asked) && !v.holders.has(asked)) return { do: 'offer', ip: asked };
  return { do: 'offer', ip: null };
}

/** Whether `want` may be ACKed to this client (RFC 2131 §4.3.2). */
function judge(want: string, v: ClientView, subnet: Subnet, state: 'selecting' | 'init-reboot' | 'renewing'): Plan {
  if (!subnet.contains(want)) return { do: 'nak', reason: `${want} is not on network ${subnet.cidr}` };
  const reserved = v.reservation !== null && subnet.contains(v.reservation) ? v.reservation : null;
  if (reserved && want !== reserved) return { do: 'nak', reason: `this node's address is ${reserved}, not ${want}` };
  const holder = v.holders.get(want);
  if (holder?.active && holder.mac !== v.mac && want !== reserved) {
    return { do: 'nak', reason: `${want} is leased to another client` };
  }
  if (want === reserved || v.lease?.ip === want) return { do: 'ack', ip: want };
  if (v.lease) return { do: 'nak', reason: `this client's address is ${v.lease.ip}, not ${want}` };
  if (state === 'selecting') return { do: 'nak', reason: `${want} was not offered to this client` };
  if (state === 'init-reboot') return { do: 'ignore', reason: `no record of this client (INIT-REBOOT for ${want})` };
  // RENEWING/REBINDING with no record (e.g. a lost database): adopt a free pool address.
  if (subnet.inPool(want) && !holder) return { do: 'ack', ip: want };
  return { do: 'nak', reason: `${want} is not an address this server leases` };
}

function planRequest(p: DhcpPacket, v: ClientView, subnet: Subnet, me: string): Plan {
  const serverId = p.options.serverId;
  const asked = given(p.options.requestedIp);
  if (serverId !== undefined) {
    if (serverId !== me) return v.lease?.state === 'offered' ? { do: 'forget-offer' } : { do: 'ignore', reason: `client chose server ${serverId}` };
    if (!asked) return { do: 'nak', reason: 'REQUEST in SELECTING state without a requested address (50)' };
    return judge(asked, v, subnet, 'selecting');
  }
  if (asked) return judge(asked, v, subnet, 'init-reboot');
  const ciaddr = given(p.ciaddr);
  if (ciaddr) return judge(ciaddr, v, subnet, 'renewing');
  return { do: 'ignore', reason: 'REQUEST names no address (no option 50, ciaddr 0.0.0.0)' };
}

export function planLease(p: DhcpPacket, v: ClientView, subnet: Subnet, me: string): Plan {
  switch (p.options.messageType) {
    case DHCPDISCOVER:
      return planDiscover(p, v, subnet);
    case DHCPREQUEST:
      return planRequest(p, v, subnet, me);
    case DHCPDECLINE: {
      const ip = given(p.options.requestedIp);
      if (p.options.serverId !== undefined && p.options.serverId !== me) return { do: 'ignore', reason: 'DECLINE for another server' };
      if (!ip || v.lease?.ip !== ip) return { do: 'ignore', reason: `DECLINE of ${ip ?? 'no address'}, which this client does not hold` };
      return { do: 'decline', ip };
    }
    case DHCPRELEASE: {
      const ip = given(p.ciaddr);
      if (!ip || v.lease?.ip !== ip) return { do: 'ignore', reason: `RELEASE of ${ip ?? 'no address'}, which this client does not hold` };
      return { do: 'release', ip };
    }
    case DHCPINFORM:
      return given(p.ciaddr) ? { do: 'inform' } : { do: 'ignore', reason: 'INFORM without ciaddr' };
    default:
      return { do: 'ignore', reason: `message type ${p.options.messageType ?? 'missing'} is not a client message` };
  }
}
