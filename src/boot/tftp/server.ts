/**
 * Read-only TFTP server (node:dgram). The listening socket only dispatches: a read request gets
 * its own Transfer (own ephemeral socket); everything else is answered or dropped here. Bad
 * packets never throw: they are counted, logged at debug with the peer, and answered with a
 * TFTP error where RFC 1350 asks for one.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { realpath, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { MusterError } from '../../errors.js';
import { listenFailed } from '../../listen-error.js';
import { decodePacket, encodeError, TFTP_ERROR } from './codec.js';
import { MAX_BLKSIZE } from './options.js';
import { Transfer, type Outcome } from './transfer.js';

export interface TftpServerOptions {
  /** Directory served; every path is confined to its realpath. */
  root: string;
  host: string;
  /** 69 in production; 0 picks a free port (tests). */
  port: number;
  /** Transfers running at once; requests past it get error 0 "server busy". */
  maxTransfers: number;
  /**
   * Transfers running at once from one client address (default 8): one host cannot take every
   * slot. A PXE client runs one at a time (EDK2's tsize probe ends before its download).
   */
  maxTransfersPerClient?: number;
  /** Largest `timeout` option (seconds) a client may ask for (default 10); larger ones are ignored. */
  maxTimeout?: number;
  /** Retransmission timeout when the client sends no `timeout` option (default 1000). */
  timeoutMs?: number;
  /** Retransmissions of one window before the transfer is dropped (default 5). */
  retries?: number;
  /** Largest blksize granted (default 65464, the RFC 2348 maximum); the interface's MTU caps it too (mtu.ts). */
  maxBlksize?: number;
  /** Largest windowsize granted (default 64). */
  maxWindowsize?: number;
  log: Logger;
}

export interface TftpStats {
  active: number;
  started: number;
  outcomes: Record<Outcome, number>;
  /** Requests answered with an error before any transfer: busy, write requests, bad packets. */
  rejected: { busy: number; perClient: number; write: number; malformed: number; unexpected: number };
  bytesSent: number;
  retransmits: number;
}

export interface TftpServer {
  port: number;
  close(): Promise<void>;
  stats(): TftpStats;
}

const DEFAULT_MAX_PER_CLIENT = 8;
const DEFAULT_MAX_TIMEOUT = 10;

export async function startTftpServer(opts: TftpServerOptions): Promise<TftpServer> {
  const log = opts.log.child({ mod: 'tftp' });
  const rootReal = await checkRoot(opts.root);
  const active = new Set<Transfer>();
  const stats: TftpStats = {
    active: 0,
    started: 0,
    outcomes: { complete: 0, timeout: 0, aborted: 0, refused: 0, failed: 0, closed: 0 },
    rejected: { busy: 0, perClient: 0, write: 0, malformed: 0, unexpected: 0 },
    bytesSent: 0,
    retransmits: 0,
  };
  const transferConfig = {
    rootReal,
    host: opts.host,
    timeoutMs: opts.timeoutMs ?? 1000,
    retries: opts.retries ?? 5,
    maxBlksize: opts.maxBlksize ?? MAX_BLKSIZE,
    maxWindowsize: opts.maxWindowsize ?? 64,
    maxTimeout: opts.maxTimeout ?? DEFAULT_MAX_TIMEOUT,
    log,
  };
  const perClientLimit = opts.maxTransfersPerClient ?? DEFAULT_MAX_PER_CLIENT;
  /** Running transfers by client address. */
  const perClient = new Map<string, number>();
  // A refusal is warned once per condition while it lasts (a flood would repeat it per packet), then counted.
  const warned = new Set<string>();
  const refuseBusy = (what: string, message: string, rinfo: RemoteInfo) => {
    if (!warned.has(what)) log.warn({ peer: `${rinfo.address}:${rinfo.port}` }, `${message}; refusing until a transfer ends (see rejected in the stats)`);
    else log.debug({ peer: `${rinfo.address}:${rinfo.port}` }, message);
    warned.add(what);
    socket.send(encodeError(TFTP_ERROR.UNDEFINED, message), rinfo.port, rinfo.address);
  };
  const socket = createSocket({ type: opts.host.includes(':') ? 'udp6' : 'udp4' });

  function onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const reply = (code: number, message: string): void => {
      socket.send(encodeError(code, message), rinfo.port, rinfo.address);
    };
    const decoded = decodePacket(msg);
    if (!decoded.ok) {
      stats.rejected.malformed++;
      log.debug({ peer: `${rinfo.address}:${rinfo.port}`, error: decoded.error }, 'malformed packet');
      // Never answer what may itself be an error packet (two servers could ping-pong).
      if (msg.length >= 2 && msg[1] !== 5) reply(TFTP_ERROR.ILLEGAL_OPERATION, decoded.error);
      return;
    }
    const p = decoded.packet;
    if (p.op === 'RRQ') {
      if (active.size >= opts.maxTransfers) {
        stats.rejected.busy++;
        refuseBusy('*', 'server busy', rinfo);
        return;
      }
      const fromClient = perClient.get(rinfo.address) ?? 0;
      if (fromClient >= perClientLimit) {
        stats.rejected.perClient++;
        refuseBusy(rinfo.address, `server busy: ${fromClient} transfers from ${rinfo.address} already (tftp max transfers per client)`, rinfo);
        return;
      }
      perClient.set(rinfo.address, fromClient + 1);
      stats.started++;
      const transfer: Transfer = new Transfer(
        { peer: { address: rinfo.address, port: rinfo.port }, filename: p.filename, mode: p.mode, options: p.options },
        {
          ...transferConfig,
          onDone(outcome, detail) {
            active.delete(transfer);
            warned.delete('*');
            const left = (perClient.get(rinfo.address) ?? 1) - 1;
            if (left > 0) perClient.set(rinfo.address, left);
            else perClient.delete(rinfo.address);
            warned.delete(rinfo.address);
            stats.outcomes[outcome]++;
            stats.bytesSent += detail.bytesSent;
            stats.retransmits += detail.retransmits;
          },
        },
      );
      active.add(transfer);
      transfer.start();
    } else if (p.op === 'WRQ') {
      stats.rejected.write++;
      reply(TFTP_ERROR.ACCESS_VIOLATION, 'this server is read-only');
    } else if (p.op !== 'ERROR') {
      stats.rejected.unexpected++;
      reply(TFTP_ERROR.ILLEGAL_OPERATION, `${p.op} is not a request`);
    }
  }

  socket.on('message', (msg, rinfo) => {
    try {
      onMessage(msg, rinfo);
    } catch (err) {
      log.error({ err, peer: `${rinfo.address}:${rinfo.port}` }, 'tftp request handling failed');
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err) =>
      reject(listenFailed('TFTP_LISTEN_FAILED', { what: 'TFTP', host: opts.host, port: opts.port, portKey: 'tftp port', addressKey: 'listen address' }, err)),
    );
    socket.bind({ address: opts.host, port: opts.port }, () => resolve());
  });
  socket.on('error', (err) => log.error({ err }, 'tftp socket error'));
  const port = socket.address().port;
  let closing: Promise<void> | null = null;
  log.info({ host: opts.host, port, root: rootReal }, 'tftp listening');

  return {
    port,
    stats: () => ({ ...stats, active: active.size, outcomes: { ...stats.outcomes }, rejected: { ...stats.rejected } }),
    close() {
      // Idempotent: the daemon's shutdown and a test's cleanup may both call it.
      closing ??= (async () => {
        await new Promise<void>((resolve) => socket.close(() => resolve()));
        await Promise.all([...active].map((t) => t.abort()));
        log.info('tftp stopped');
      })();
      return closing;
    },
  };
}

async function checkRoot(root: string): Promise<string> {
  try {
    const real = await realpath(root);
    if ((await stat(real)).isDirectory()) return real;
  } catch (err) {
    throw new MusterError(
      'TFTP_ROOT_INVALID',
      `TFTP root ${root} cannot be read (${(err as NodeJS.ErrnoException).code}); create it or set another tftp root`,
      { cause: err },
    );
  }
  throw new MusterError('TFTP_ROOT_INVALID', `TFTP root ${root} is not a directory; point the tftp root at a directory`);
}
