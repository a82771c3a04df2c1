/** Shared fixtures for the TFTP tests: a served root with traps around it, a raw dgram client. */
import { createSocket, type Socket } from 'node:dgram';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/log.js';
import { decodePacket, encodeAck, encodeRequest, type Packet, type RawOptions } from '../../../src/boot/tftp/codec.js';
import { startTftpServer, type TftpServer, type TftpServerOptions } from '../../../src/boot/tftp/server.js';
import { requireOrSkip } from '../../helpers/require.js';

export const IPXE_EFI = '/usr/lib/ipxe/ipxe.efi';
export const TEXT = 'line one\nline two\r\nbare CR\rend\n';

export interface Fixture {
  dir: string;
  root: string;
  cleanup(): Promise<void>;
}

/**
 * <dir>/root: ipxe.efi (Debian's, or random bytes of the same size when the package is
 * missing), text.txt, sub/inner.txt, inlink → sub/inner.txt, escape → ../outside/secret.txt,
 * etc/ (empty dir). <dir>/outside/secret.txt must never be served.
 */
export async function makeFixture(): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-tftp-'));
  const root = join(dir, 'root');
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(join(root, 'etc'));
  await mkdir(join(dir, 'outside'));
  if (existsSync(IPXE_EFI)) await copyFile(IPXE_EFI, join(root, 'ipxe.efi'));
  else await writeFile(join(root, 'ipxe.efi'), randomBytes(850_528));
  await writeFile(join(root, 'text.txt'), TEXT);
  await writeFile(join(root, 'sub', 'inner.txt'), 'inner\n');
  await writeFile(join(dir, 'outside', 'secret.txt'), 'secret\n');
  await symlink('sub/inner.txt', join(root, 'inlink'));
  await symlink('../outside/secret.txt', join(root, 'escape'));
  return { dir, root, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function startTestServer(root: string, opts: Partial<TftpServerOptions> = {}): Promise<TftpServer> {
  // Every test client is on 127.0.0.1: allow as many per client as in all.
  return startTftpServer({ root, host: '127.0.0.1', port: 0, maxTransfers: 200, maxTransfersPerClient: 200, log: silentLogger(), ...opts });
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  return sha256(await readFile(path));
}

/** The Debian package providing `cmd` when it is not installed, else null. */
export function missingTool(cmd: string, pkg: string): string | false {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return false;
  } catch {
    return requireOrSkip(`${cmd} not installed (Debian package ${pkg})`);
  }
}

export interface Received {
  packet: Packet;
  port: number;
}

/** A hand-driven TFTP peer: sends exactly what a test says, queues whatever comes back. */
export class RawClient {
  private queue: Received[] = [];
  private waiter: (() => void) | null = null;

  private constructor(readonly socket: Socket) {
    socket.on('message', (msg, rinfo) => {
      const d = decodePacket(msg);
      if (!d.ok) throw new Error(`server sent a malformed packet: ${d.error}`);
      this.queue.push({ packet: d.packet, port: rinfo.port });
      this.waiter?.();
    });
  }

  /** `address`: another loopback address (127.0.0.2) is another client to the server. */
  static async open(address = '127.0.0.1'): Promise<RawClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    return new RawClient(socket);
  }

  send(buf: Uint8Array, port: number): void {
    this.socket.send(buf, port, '127.0.0.1');
  }

  rrq(port: number, filename: string, options: Record<string, string> = {}, mode: 'octet' | 'netascii' | 'mail' = 'octet'): void {
    this.send(encodeRequest('RRQ', filename, mode, new Map(Object.entries(options))), port);
  }

  ack(port: number, block: number): void {
    this.send(encodeAck(block), port);
  }

  /** The next packet, or a rejection after `ms`. */
  async recv(ms = 3000): Promise<Received> {
    const deadline = Date.now() + ms;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no packet within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = null;
    }
    return this.queue.shift()!;
  }

  /** Resolves with whatever arrived within `ms` (for "the server stays silent" checks). */
  async drain(ms: number): Promise<Received[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.queue.splice(0);
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * A whole download driven by the raw client, acknowledging each window's last block. Returns
 * the file and the options the server acknowledged.
 */
export async function rawFetch(port: number, filename: string, options: Record<string, string> = {}): Promise<{ data: Buffer; oack: RawOptions | null }> {
  const c = await RawClient.open();
  try {
    c.rrq(port, filename, options);
    let first = await c.recv();
    let oack: RawOptions | null = null;
    if (first.packet.op === 'OACK') {
      oack = first.packet.options;
      c.ack(first.port, 0);
      first = await c.recv();
    }
    const blksize = Number(oack?.get('blksize') ?? 512);
    const windowsize = Number(oack?.get('windowsize') ?? 1);
    const parts: Uint8Array[] = [];
    let expected = 1;
    for (let r: Received = first, inWindow = 1; ; r = await c.recv(), inWindow++) {
      if (r.packet.op !== 'DATA') throw new Error(`expected DATA, got ${JSON.stringify(r.packet)}`);
      if (r.packet.block !== (expected & 0xffff)) throw new Error(`expected block ${expected & 0xffff}, got ${r.packet.block}`);
      parts.push(Buffer.from(r.packet.data));
      const last = r.packet.data.length < blksize;
      if (last || inWindow === windowsize) {
        c.ack(r.port, r.packet.block);
        inWindow = 0;
      }
      if (last) return { data: Buffer.concat(parts), oack };
      expected++;
    }
  } finally {
    c.close();
  }
}
