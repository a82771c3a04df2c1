/**
 * Coexistence diagnostic: other DHCP servers answering on this segment. Two servers handing out
 * addresses on one LAN is the classic cause of nodes booting the wrong thing; muster notices the
 * OFFERs, counts them per server, and warns once per server per interval.
 */
import { BOOTREPLY, DHCPOFFER, type DhcpPacket } from './codec.js';
import { ZERO_IP } from './ipv4.js';

const MAX_REMEMBERED = 64;

export interface SeenServer {
  /** The server identifier (option 54), else the packet's source address. */
  server: string;
  offers: number;
  /** Whether its last OFFER handed out an address (a full server) or only boot data (proxyDHCP). */
  leasesAddresses: boolean;
  bootfile: string | null;
  firstSeen: Date;
  lastSeen: Date;
}

export class ForeignServers {
  private readonly seen = new Map<string, SeenServer>();
  private readonly warnedAt = new Map<string, number>();

  constructor(
    private readonly me: string,
    private readonly warnIntervalMs: number,
    private readonly warn: (s: SeenServer) => void,
  ) {}

  /** Looks at a BOOTREPLY seen on the wire; ignores our own and anything that is not an OFFER. */
  observe(p: DhcpPacket, sourceAddress: string, now = Date.now()): void {
    if (p.op !== BOOTREPLY || p.options.messageType !== DHCPOFFER) return;
    const server = p.options.serverId ?? sourceAddress;
    if (server === this.me) return;
    let s = this.seen.get(server);
    // Spoofed replies could name endless "servers": remember a bounded number.
    if (!s && this.seen.size >= MAX_REMEMBERED) return;
    if (!s) this.seen.set(server, (s = { server, offers: 0, leasesAddresses: false, bootfile: null, firstSeen: new Date(now), lastSeen: new Date(now) }));
    s.offers++;
    s.lastSeen = new Date(now);
    s.leasesAddresses = p.yiaddr !== ZERO_IP;
    s.bootfile = p.options.bootfileName ?? (p.file || null);
    const last = this.warnedAt.get(server);
    if (last === undefined || now - last >= this.warnIntervalMs) {
      this.warnedAt.set(server, now);
      this.warn({ ...s });
    }
  }

  list(): SeenServer[] {
    return [...this.seen.values()].map((s) => ({ ...s })).sort((a, b) => a.server.localeCompare(b.server));
  }
}
