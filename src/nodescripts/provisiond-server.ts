import { createServer, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { listenFailed } from '../listen-error.js';
import { arpLookup } from './arp.js';
import { written } from './delivery.js';
import { PeerLimit } from './peer-limit.js';
import { BANNER, errorScript, KEEPALIVE, PROVISIOND_END, withKeepalive } from './framing.js';
import type { NodescriptService } from './service.js';
import { parseWireRequest } from './wire.js';

export interface ProvisiondServerOptions {
  service: NodescriptService;
  log: Logger;
  port: number;
  host?: string;
  /** longest request line accepted, newline included */
  lineLimit?: number;
  /** a whole line must arrive within this after accept */
  readTimeoutMs?: number;
  /** `#` lines at this interval while a script renders (Perceus's client gives up after 5 s) */
  keepaliveMs?: number;
  /** a connection with no traffic either way for this long is dropped (a node that stops reading) */
  idleTimeoutMs?: number;
  /** open connections in all (default 4096) */
  maxConnections?: number;
  /** open connections from one address (default 32) */
  maxConnectionsPerPeer?: number;
  /** a refused address is logged at most this often (default 60 s) */
  refusalLogMs?: number;
  /** ARP table used when a request has no nodeid= (tests point it elsewhere) */
  arpTable?: string;
}

export interface ProvisiondServer {
  port: number;
  counters: { connections: number; requests: number; invalid: number; refused: number };
  close(): Promise<void>;
}

/**
 * The Perceus wire protocol on TCP (default port 987), byte-compatible on the wire (reference
 * perceus.md §1): banner on accept, one request line, framed script, `# PROVISIOND END`, close.
 * Unlike perceusd it reads a whole line with a length limit and a deadline, and every
 * connection gets an answer and a close. Handlers never throw.
 */
export async function startProvisiondServer(opts: ProvisiondServerOptions): Promise<ProvisiondServer> {
  const lineLimit = opts.lineLimit ?? 4096;
  const readTimeoutMs = opts.readTimeoutMs ?? 5000;
  const keepaliveMs = opts.keepaliveMs ?? 1000;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
  const log = opts.log;
  const counters = { connections: 0, requests: 0, invalid: 0, refused: 0 };
  const sockets = new Set<Socket>();
  const slots = new PeerLimit({ perPeer: opts.maxConnectionsPerPeer ?? 32, total: opts.maxConnections ?? 4096 }, log, opts.refusalLogMs);

  const server = createServer({ allowHalfOpen: true }, (socket) => {
    counters.connections++;
    sockets.add(socket);
    const peer = socket.remoteAddress ?? null;
    socket.on('close', () => sockets.delete(socket));
    const full = slots.take(peer ?? '');
    if (full !== null) {
      // Said in the protocol's own words, so the node's client prints why and retries later.
      counters.refused++;
      socket.on('error', () => undefined);
      socket.setTimeout(readTimeoutMs, () => socket.destroy());
      socket.end(Buffer.concat([Buffer.from(BANNER), errorScript(full), Buffer.from(PROVISIOND_END)]), () => socket.destroy());
      return;
    }
    socket.on('close', () => slots.release(peer ?? ''));
    socket.on('error', (err) => log.debug({ err, peer }, 'provisiond connection error'));
    socket.setTimeout(idleTimeoutMs, () => socket.destroy());
    socket.write(BANNER);

    let chunks: Buffer[] = [];
    let size = 0;
    let handled = false;
    const finishWith = (payload: Buffer | string): void => {
      if (!socket.destroyed) socket.end(Buffer.concat([Buffer.from(payload), Buffer.from(PROVISIOND_END)]));
    };
    const refuse = (reason: string): void => {
      counters.invalid++;
      log.debug({ peer, reason }, 'provisiond request refused');
      finishWith(errorScript(reason));
    };
    const take = (line: string): void => {
      handled = true;
      clearTimeout(deadline);
      chunks = [];
      socket.removeListener('data', onData);
      socket.resume(); // anything more the client sends is read and dropped, never parsed
      void answer(line.replace(/\r$/, '')).catch((err) => {
        log.error({ err, peer }, 'provisiond request failed');
        finishWith(errorScript('internal error; see the master log'));
      });
    };
    const onData = (chunk: Buffer): void => {
      const nl = chunk.indexOf(0x0a);
      if (nl >= 0 && size + nl < lineLimit) {
        take(Buffer.concat([...chunks, chunk.subarray(0, nl)]).toString('latin1'));
        return;
      }
      size += chunk.length;
      if (size >= lineLimit) {
        handled = true;
        clearTimeout(deadline);
        socket.removeListener('data', onData);
        socket.resume();
        refuse(`request line longer than ${lineLimit} bytes`);
        return;
      }
      chunks.push(chunk);
    };
    const deadline = setTimeout(() => {
      if (handled) return;
      handled = true;
      socket.removeListener('data', onData);
      socket.resume();
      refuse(size === 0 ? `no request within ${readTimeoutMs} ms` : `no end of line within ${readTimeoutMs} ms`);
    }, readTimeoutMs);
    // A closed socket needs no deadline (and must not keep a stopping process waiting for it).
    socket.on('close', () => clearTimeout(deadline));
    socket.on('data', onData);
    socket.on('end', () => {
      // The client closed its side: what it sent is the whole request.
      if (handled) return;
      if (size > 0) take(Buffer.concat(chunks).toString('latin1'));
      else {
        handled = true;
        clearTimeout(deadline);
        refuse('no request');
      }
    });

    const answer = async (line: string): Promise<void> => {
      counters.requests++;
      const req = parseWireRequest(line);
      switch (req.kind) {
        case 'invalid':
          return refuse(req.reason);
        case 'ping':
          return finishWith(req.reply + '\n');
        case 'log':
          await opts.service.nodeLog(req.mac ?? (await arpLookup(peer, opts.arpTable)), peer, req.message);
          if (!socket.destroyed) socket.end();
          return;
        case 'state': {
          const mac = req.mac ?? (await arpLookup(peer, opts.arpTable));
          if (mac === null) return refuse(`no NodeID for ${peer ?? 'this peer'} (not in the ARP table); send nodeid=<MAC>`);
          const sent = written(socket);
          const reply = await withKeepalive(opts.service.provide({ state: req.state, mac, nodename: req.nodename, ip: peer, proto: '987' }), keepaliveMs, () =>
            socket.write(KEEPALIVE),
          );
          finishWith(reply.script);
          reply.settle(await sent);
          return;
        }
      }
    };
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) =>
      reject(
        listenFailed(
          'LISTEN_FAILED',
          { what: 'provisiond', host: opts.host ?? '0.0.0.0', port: opts.port, portKey: 'provisiond port', addressKey: 'listen address' },
          err,
        ),
      );
    server.once('error', failed);
    server.listen({ port: opts.port, host: opts.host, backlog: 1024 }, () => {
      server.off('error', failed);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'provisiond server error'));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  log.info({ port }, 'provisiond (Perceus wire protocol) listening');
  return {
    port,
    counters,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
