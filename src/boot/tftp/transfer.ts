/**
 * One read transfer on its own ephemeral socket (RFC 1350 TID): open the file, negotiate
 * options (OACK), send windows of DATA (RFC 7440), retransmit on timeout, finish on the last
 * ACK. Events (packets, timer) run one at a time through a promise chain, so async file reads
 * never interleave with ACK handling.
 *
 * ACK rules (the sorcerer's apprentice cannot happen): an ACK for the block already acknowledged
 * or an older one is a duplicate and is ignored — only the timer resends. An ACK inside the sent
 * window moves the window and sends it anew from the block after it (RFC 7440: a mid-window ACK
 * is how a client reports loss). An ACK for a block not yet sent is ignored.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
import type { Logger } from 'pino';
import { decodePacket, encodeData, encodeError, encodeOack, printable, TFTP_ERROR, type TransferMode, type RawOptions } from './codec.js';
import { BlockReader, openInRoot } from './files.js';
import { blksizeCeiling } from './mtu.js';
import { negotiate, type NegotiationLimits } from './options.js';

export type Outcome = 'complete' | 'timeout' | 'aborted' | 'refused' | 'failed' | 'closed';

export interface TransferRequest {
  peer: { address: string; port: number };
  filename: string;
  mode: TransferMode;
  options: RawOptions;
}

export interface TransferConfig extends NegotiationLimits {
  rootReal: string;
  host: string;
  timeoutMs: number;
  retries: number;
  log: Logger;
  /** Called once, when the transfer has released its socket and file. */
  onDone(outcome: Outcome, detail: { bytesSent: number; retransmits: number; refusedCode?: number }): void;
}

export class Transfer {
  private socket: Socket | null = null;
  private file: FileHandle | null = null;
  private reader: BlockReader | null = null;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private timeoutMs: number;
  private windowsize = 1;
  private blksize = 512;
  /** Sequence number (not wrapped to 16 bits) of the first block of `window`. */
  private base = 1;
  /** Blocks base, base+1, … already read and not yet acknowledged. */
  private window: Buffer[] = [];
  /** Sequence number of the final (short) block, once read. */
  private lastSeq: number | null = null;
  private oack: Buffer | null = null;
  private tries = 0;
  private bytesSent = 0;
  private retransmits = 0;
  private done = false;
  private readonly log: Logger;

  constructor(
    private readonly req: TransferRequest,
    private readonly cfg: TransferConfig,
  ) {
    this.timeoutMs = cfg.timeoutMs;
    this.log = cfg.log.child({ peer: `${req.peer.address}:${req.peer.port}`, file: printable(req.filename) });
  }

  /** Binds the transfer socket, then opens and negotiates; never rejects. */
  start(): void {
    const socket = createSocket({ type: this.cfg.host.includes(':') ? 'udp6' : 'udp4' });
    this.socket = socket;
    socket.on('error', (err) =>
      this.enqueue(async () => {
        this.log.warn({ err }, 'transfer socket error');
        await this.finish('failed');
      }),
    );
    socket.on('message', (msg, rinfo) => this.enqueue(() => this.onMessage(msg, rinfo)));
    socket.bind({ address: this.cfg.host, port: 0 }, () => this.enqueue(() => this.open()));
  }

  /** Ends the transfer now (server shutdown). */
  abort(): Promise<void> {
    this.enqueue(() => this.finish('closed'));
    return this.chain;
  }

  private enqueue(step: () => Promise<void> | void): void {
    this.chain = this.chain.then(async () => {
      if (this.done) return;
      try {
        await step();
      } catch (err) {
        this.log.error({ err }, 'transfer step failed');
        await this.finish('failed');
      }
    });
  }

  private async open(): Promise<void> {
    const opened = await openInRoot(this.cfg.rootReal, this.req.filename);
    if (!opened.ok) return this.refuse(opened.code, opened.message);
    this.file = opened.file;
    if (this.req.mode === 'mail') return this.refuse(TFTP_ERROR.ILLEGAL_OPERATION, 'mail mode is not supported');
    const netascii = this.req.mode === 'netascii';
    const limits = this.req.options.has('blksize')
      ? { ...this.cfg, maxBlksize: Math.min(this.cfg.maxBlksize, await blksizeCeiling(this.cfg.host, this.req.peer.address)) }
      : this.cfg;
    const { params, oack } = negotiate(this.req.options, netascii ? null : opened.size, limits, this.cfg.timeoutMs);
    this.blksize = params.blksize;
    this.windowsize = params.windowsize;
    this.timeoutMs = params.timeoutMs;
    this.reader = new BlockReader(opened.file, params.blksize, netascii);
    this.log.debug({ size: opened.size, mode: this.req.mode, ...params }, 'transfer start');
    if (oack.size > 0) {
      this.oack = encodeOack(oack);
      this.send(this.oack);
      this.arm();
    } else await this.sendWindow();
  }

  private async onMessage(msg: Buffer, rinfo: RemoteInfo): Promise<void> {
    if (rinfo.address !== this.req.peer.address || rinfo.port !== this.req.peer.port) {
      this.log.debug({ from: `${rinfo.address}:${rinfo.port}` }, 'packet from unknown TID');
      this.socket?.send(encodeError(TFTP_ERROR.UNKNOWN_TID, 'unknown transfer ID'), rinfo.port, rinfo.address);
      return;
    }
    const decoded = decodePacket(msg);
    if (!decoded.ok) {
      this.log.debug({ error: decoded.error }, 'malformed packet ignored');
      return;
    }
    const p = decoded.packet;
    if (p.op === 'ERROR') {
      // EDK2 ends its tsize probe this way (error 8) before the real download.
      this.log.debug({ code: p.code, message: printable(p.message) }, 'client ended the transfer');
      return this.finish('aborted');
    }
    if (p.op !== 'ACK') {
      this.send(encodeError(TFTP_ERROR.ILLEGAL_OPERATION, `unexpected ${p.op} during a read transfer`));
      return this.finish('failed');
    }
    if (this.reader === null) return; // ACK before the file is open: nothing sent yet
    await this.onAck(p.block);
  }

  private async onAck(block: number): Promise<void> {
    if (this.oack !== null) {
      if (block !== 0) return;
      this.oack = null;
      this.tries = 0;
      return this.sendWindow();
    }
    // Distance from the last acknowledged block (base - 1), modulo 16-bit wrap.
    const ahead = (block - ((this.base - 1) & 0xffff)) & 0xffff;
    if (ahead === 0 || ahead > this.window.length) return; // duplicate, stale or not yet sent
    const acked = this.base - 1 + ahead;
    if (acked === this.lastSeq) return this.finish('complete');
    this.window = this.window.slice(ahead);
    this.base = acked + 1;
    this.tries = 0;
    await this.sendWindow();
  }

  /** Fills the window up to windowsize blocks (stopping at the last) and sends all of it. */
  private async sendWindow(): Promise<void> {
    const reader = this.reader!;
    while (this.window.length < this.windowsize && this.lastSeq === null) {
      const block = await reader.next();
      this.window.push(block);
      if (block.length < this.blksize) this.lastSeq = this.base + this.window.length - 1;
    }
    this.transmitWindow();
    this.arm();
  }

  /** Sends the blocks of the window as they are (a timeout resends them unchanged). */
  private transmitWindow(): void {
    for (const [i, block] of this.window.entries()) this.send(encodeData(this.base + i, block));
  }

  private arm(): void {
    // refresh() restarts the running timer: far cheaper than a new one per window.
    if (this.timer) this.timer.refresh();
    else {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.enqueue(() => this.onTimeout());
      }, this.timeoutMs);
    }
  }

  private async onTimeout(): Promise<void> {
    if (this.timer !== null) return; // an ACK queued before this call made progress and re-armed
    if (++this.tries > this.cfg.retries) {
      this.log.info({ tries: this.tries - 1 }, 'client stopped answering; transfer timed out');
      this.send(encodeError(TFTP_ERROR.UNDEFINED, 'timeout'));
      return this.finish('timeout');
    }
    this.retransmits++;
    if (this.oack !== null) this.send(this.oack);
    else this.transmitWindow();
    this.arm();
  }

  private async refuse(code: number, message: string): Promise<void> {
    this.log.info({ code, message }, 'request refused');
    this.send(encodeError(code, message));
    await this.finish('refused', code);
  }

  private send(packet: Buffer): void {
    if (packet.length > 4 && packet[1] === 3) this.bytesSent += packet.length - 4;
    this.socket?.send(packet, this.req.peer.port, this.req.peer.address);
  }

  private async finish(outcome: Outcome, refusedCode?: number): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      // dgram sends leave on a later tick: let the final ERROR go before the socket closes.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    }
    await this.file?.close().catch((err: unknown) => this.log.warn({ err }, 'closing file failed'));
    this.log.debug({ outcome, bytesSent: this.bytesSent, retransmits: this.retransmits }, 'transfer end');
    this.cfg.onDone(outcome, { bytesSent: this.bytesSent, retransmits: this.retransmits, ...(refusedCode === undefined ? {} : { refusedCode }) });
  }
}
