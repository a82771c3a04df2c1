/**
 * The DHCP server: thin node:dgram sockets around the codec and the handlers. Sockets: the DHCP
 * port (67), the PXE port (4011, proxy mode), and the client port (68) to watch other servers'
 * OFFERs. Never throws from a socket handler: bad packets are counted and logged at debug.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Logger } from 'pino';
import type { Db } from '../../db/index.js';
import { MusterError } from '../../errors.js';
import { listenFailed } from '../../listen-error.js';
import { addEvent, type NewEvent } from '../../events/index.js';
import { broadcastWarning, openBroadcastSender, type BroadcastSender } from './broadcast.js';
import { BOOTREPLY, decode, encode, MESSAGE_NAMES } from './codec.js';
import { ForeignServers, type SeenServer } from './foreign-servers.js';
import { handleFull, handleProxy, isValidServerAddress, type HandlerContext } from './handler.js';
import { ZERO_IP } from './ipv4.js';
import { clientMac, LIMITED_BROADCAST, replyTarget } from './reply.js';
import { makeBootConfig, makeSubnet, type BootInputSchema, type SubnetInput } from './settings.js';
import type { z } from 'zod';

export interface DhcpServerOptions {
  db: Db;
  mode: 'full' | 'proxy';
  /** Address to bind (default 0.0.0.0: broadcasts only reach wildcard sockets). */
  host?: string;
  /** DHCP server port (67). */
  port: number;
  /** PXE boot-server port (4011), proxy mode only. */
  proxyPort?: number;
  /** Where client replies go (68); also watched for other servers' OFFERs unless watchForeign is false. */
  clientPort?: number;
  watchForeign?: boolean;
  /** This server's address on the boot LAN: server identifier, next-server and HTTP host. */
  serverAddress: string;
  subnets?: SubnetInput[];
  boot?: z.input<typeof BootInputSchema>;
  log: Logger;
  /** Event sink; default: rows in the events table. */
  events?: (e: NewEvent) => Promise<void>;
  offerHoldMs?: number;
  declineHoldMs?: number;
  /**
   * Proxy mode: how long a proxy OFFER waits (default 250 ms). PXE ROMs and iPXE collect offers
   * for a second or more, but naive clients that merely claim PXEClient (udhcpc, some BMCs) take
   * the first offer, and an address-less proxy offer would stall them; waiting lets the site's
   * DHCP server answer first.
   */
  proxyOfferDelayMs?: number;
  foreignWarnIntervalMs?: number;
}

export interface DhcpServer {
  /** The bound DHCP port: `port`, or the one the system chose for 0. */
  port: number;
  close(): Promise<void>;
  /** Counters: received, replies by type, drops by reason, errors. */
  stats(): Record<string, number>;
  /** Other DHCP servers seen answering on the segment (for `muster info dhcp`). */
  seenServers(): SeenServer[];
}

/** Binds a broadcast-capable UDP socket; rejects with the socket's own error (EADDRINUSE …). */
function bindSocket(port: number, host: string): Promise<Socket> {
  const sock = createSocket({ type: 'udp4', reuseAddr: true });
  return new Promise((resolve, reject) => {
    sock.once('error', (err) => {
      sock.close();
      reject(err);
    });
    sock.bind(port, host, () => {
      sock.removeAllListeners('error');
      sock.setBroadcast(true);
      resolve(sock);
    });
  });
}

/** A bind the daemon cannot start without: its failure names the port's setting. */
function bindServerSocket(port: number, host: string, what: string, portKey: string): Promise<Socket> {
  return bindSocket(port, host).catch((err: unknown) => {
    throw listenFailed('DHCP_LISTEN_FAILED', { what, host, port, portKey, addressKey: 'listen address' }, err);
  });
}

export async function startDhcpServer(o: DhcpServerOptions): Promise<DhcpServer> {
  if (!isValidServerAddress(o.serverAddress)) {
    throw new MusterError(
      'CONFIG_INVALID',
      `dhcp: server address '${o.serverAddress}' must be this host's IPv4 address on the boot network (set 'dhcp server address')`,
    );
  }
  const subnets = (o.subnets ?? []).map(makeSubnet);
  if (o.mode === 'full' && subnets.length === 0) {
    throw new MusterError(
      'CONFIG_INVALID',
      `dhcp: full mode needs at least one subnet with a range (set 'dhcp subnet' and 'dhcp range', or use 'dhcp mode = proxy')`,
    );
  }
  const log = o.log.child({ mod: 'dhcp' });
  const counters: Record<string, number> = {};
  const count = (what: string) => void (counters[what] = (counters[what] ?? 0) + 1);
  const sink = o.events ?? ((e: NewEvent) => addEvent(o.db, e));
  const event = (e: NewEvent) => {
    sink(e).catch((err: unknown) => log.warn({ err }, 'could not record a DHCP event'));
  };
  const ctx: HandlerContext = {
    db: o.db,
    server: o.serverAddress,
    subnets,
    boot: makeBootConfig(o.boot),
    offerHoldMs: o.offerHoldMs ?? 60_000,
    declineHoldMs: o.declineHoldMs ?? 600_000,
    cursors: new Map(),
    event,
    count,
    debug: (msg, data) => log.debug(data ?? {}, msg),
  };
  const foreign = new ForeignServers(o.serverAddress, o.foreignWarnIntervalMs ?? 3_600_000, (s) => {
    count('foreign-server-warnings');
    event({
      kind: 'dhcp.foreign-server',
      level: 'warn',
      message: `another DHCP server ${s.server} is answering on the boot network (${s.leasesAddresses ? 'handing out addresses' : 'proxyDHCP'}${s.bootfile ? `, boot file ${s.bootfile}` : ''})`,
      data: { server: s.server, offers: s.offers },
    });
  });
  const clientPort = o.clientPort ?? 68;
  const host = o.host ?? '0.0.0.0';
  // Packets of one client are handled in order: a retransmitted DISCOVER must not race its twin.
  const queues = new Map<string, Promise<void>>();

  const sockets: Socket[] = [];
  let broadcaster: BroadcastSender | null = null;
  const delayed = new Set<NodeJS.Timeout>();
  const closeAll = () => {
    for (const t of delayed) clearTimeout(t);
    return Promise.all([...sockets.map((s) => new Promise<void>((r) => s.close(() => r()))), broadcaster?.close()]);
  };
  // Send failures are warned once per error code (a boot storm would repeat them per packet), then counted.
  const sendWarned = new Set<string>();
  const sendFailed = (err: Error, mac: string, to: string) => {
    count('send-errors');
    const code = (err as NodeJS.ErrnoException).code ?? err.message;
    const first = !sendWarned.has(code);
    sendWarned.add(code);
    log[first ? 'warn' : 'debug'](
      { err, mac, to },
      `could not send a DHCP reply${first ? ' (further failures like it are logged at debug; see send-errors in the stats)' : ''}`,
    );
  };
  /** Limited broadcast through the bound sender when there is one; unicast that has no route falls back to it. */
  const sendReply = (sock: Socket, packet: Buffer, to: { address: string; port: number }, mac: string, relayed: boolean) => {
    if (to.address === LIMITED_BROADCAST && broadcaster) return broadcaster.send(packet, (err) => err && sendFailed(err, mac, to.address));
    sock.send(packet, to.port, to.address, (err) => {
      if (!err) return;
      const unrouted = ['ENETUNREACH', 'EHOSTUNREACH'].includes((err as NodeJS.ErrnoException).code ?? '');
      // A renewing client with no route to it (the main table is empty) still hears a broadcast.
      if (unrouted && !relayed && broadcaster && to.port === clientPort) broadcaster.send(packet, (e) => e && sendFailed(e, mac, LIMITED_BROADCAST));
      else sendFailed(err, mac, to.address);
    });
  };

  async function onPacket(sock: Socket, msg: Buffer, from: RemoteInfo, onPxePort: boolean): Promise<void> {
    count('received');
    const d = decode(msg);
    if (!d.ok) {
      count('drop.malformed');
      log.debug({ peer: `${from.address}:${from.port}`, error: d.error }, 'dropped a malformed DHCP packet');
      return;
    }
    const p = d.packet;
    if (p.op === BOOTREPLY) {
      foreign.observe(p, from.address);
      return;
    }
    const mac = clientMac(p);
    if (!mac) {
      count('drop.hardware-type');
      log.debug({ peer: from.address, htype: p.htype, hlen: p.hlen }, 'dropped: not an Ethernet client');
      return;
    }
    const reply = o.mode === 'proxy' ? handleProxy(p, mac, onPxePort, ctx) : await handleFull(p, mac, ctx);
    if (!reply) return;
    const to = onPxePort ? { address: from.address, port: from.port } : replyTarget(p, reply, from, clientPort);
    const name = MESSAGE_NAMES[reply.options.messageType ?? 0] ?? 'reply';
    count(`sent.${name}`);
    log.debug({ mac, to: `${to.address}:${to.port}`, yiaddr: reply.yiaddr, file: reply.file }, `sent ${name}`);
    const send = () => sendReply(sock, encode(reply), to, mac, p.giaddr !== ZERO_IP);
    if (o.mode === 'proxy' && !onPxePort) {
      const t = setTimeout(() => {
        delayed.delete(t);
        send();
      }, o.proxyOfferDelayMs ?? 250);
      delayed.add(t);
    } else send();
  }

  const listen = (sock: Socket, onPxePort: boolean) =>
    sock.on('message', (msg, from) => {
      const key = msg.length >= 34 ? msg.toString('hex', 28, 34) : '';
      const run = (queues.get(key) ?? Promise.resolve()).then(() =>
        onPacket(sock, msg, from, onPxePort).catch((err: unknown) => {
          count('errors');
          log.error({ err, peer: from.address }, 'DHCP packet handling failed');
        }),
      );
      queues.set(key, run);
      void run.then(() => {
        if (queues.get(key) === run) queues.delete(key);
      });
    });

  try {
    sockets.push(listen(await bindServerSocket(o.port, host, 'DHCP', 'dhcp port'), false));
    if (o.mode === 'proxy') sockets.push(listen(await bindServerSocket(o.proxyPort ?? 4011, host, 'PXE (proxyDHCP)', 'dhcp proxy port'), true));
  } catch (err) {
    await closeAll();
    throw err;
  }
  const setup = await openBroadcastSender({ serverAddress: o.serverAddress, host, port: o.port, clientPort });
  if (setup.ok) broadcaster = setup.sender;
  const warning = broadcastWarning(setup);
  if (warning) log.warn(warning);
  if (o.watchForeign !== false) {
    try {
      const watch = await bindSocket(clientPort, host);
      watch.on('message', (msg, from) => {
        const d = decode(msg);
        if (d.ok) foreign.observe(d.packet, from.address);
      });
      sockets.push(watch);
    } catch (err) {
      log.warn({ err }, 'cannot watch for other DHCP servers; the coexistence diagnostic is off');
    }
  }
  log.info({ mode: o.mode, port: o.port, server: o.serverAddress, subnets: subnets.map((s) => s.cidr) }, 'DHCP server listening');
  return {
    port: sockets[0]!.address().port,
    async close() {
      await closeAll();
      await Promise.all(queues.values());
    },
    stats: () => ({ ...counters }),
    seenServers: () => foreign.list(),
  };
}
