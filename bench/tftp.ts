/**
 * TFTP throughput: 100 concurrent curl clients fetch ipxe.efi from muster and from tftpd-hpa
 * (`in.tftpd -L`, started here in the foreground and killed at the end) in the same run, with
 * blksize 1468 and with no options (512-byte blocks). Prints MB/s (median of ROUNDS) and the
 * ratio muster / tftpd-hpa. muster runs in its own process (this file with `--serve <root>`), so
 * spawning 100 curls here does not steal its event loop; the clients are real processes.
 * Run: npx tsx bench/tftp.ts  (needs curl; tftpd-hpa for the ratio)
 */
import { createSocket } from 'node:dgram';
import { chmod, copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { startTftpServer } from '../src/boot/tftp/server.js';
import { silentLogger } from '../src/log.js';

const CLIENTS = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const IPXE_EFI = '/usr/lib/ipxe/ipxe.efi';

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** One round: CLIENTS curls at once; returns MB/s over the wall time of the whole round. */
async function round(port: number, curlArgs: string[], outDir: string, size: number): Promise<number> {
  const t = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) => execa('curl', ['-sS', '--fail', `tftp://127.0.0.1:${port}/ipxe.efi`, ...curlArgs, '-o', join(outDir, `c${i}`)])),
  );
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  for (let i = 0; i < CLIENTS; i++) {
    if ((await stat(join(outDir, `c${i}`))).size !== size) throw new Error(`client ${i} got a short file`);
  }
  return (CLIENTS * size) / 1e6 / seconds;
}

async function medianRate(port: number, curlArgs: string[], outDir: string, size: number): Promise<number> {
  await round(port, curlArgs, outDir, size); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) rates.push(await round(port, curlArgs, outDir, size));
  return rates.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
}

async function waitServing(port: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await execa('curl', ['-sS', '--max-time', '1', `tftp://127.0.0.1:${port}/ipxe.efi`, '-o', '/dev/null'], { reject: false });
    if (r.exitCode === 0) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`nothing serves TFTP on port ${port}`);
}

export default async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-tftp-'));
  const root = join(dir, 'root');
  const outDir = join(dir, 'out');
  let hpa = null as ResultPromise | null;
  await mkdir(root);
  await mkdir(outDir);
  if (existsSync(IPXE_EFI)) await copyFile(IPXE_EFI, join(root, 'ipxe.efi'));
  else await writeFile(join(root, 'ipxe.efi'), randomBytes(850_528));
  // in.tftpd drops to the user tftp and chroots into the root: it must be able to read it.
  await chmod(dir, 0o755);
  await chmod(root, 0o755);
  await chmod(join(root, 'ipxe.efi'), 0o644);
  const musterPort = await freeUdpPort();
  const muster = execa('node', ['--import', 'tsx', new URL(import.meta.url).pathname, '--serve', root, String(musterPort)], {
    reject: false,
    stdout: 'inherit',
  });
  try {
    const size = (await stat(join(root, 'ipxe.efi'))).size;
    await waitServing(musterPort);
    let hpaPort: number | null = null;
    if (existsSync('/usr/sbin/in.tftpd')) {
      hpaPort = await freeUdpPort();
      hpa = execa('/usr/sbin/in.tftpd', ['-L', '-s', root, '-a', `127.0.0.1:${hpaPort}`], { reject: false });
      await waitServing(hpaPort);
    } else console.log('in.tftpd not found (Debian package tftpd-hpa): muster figures only');
    console.log(`${CLIENTS} concurrent curl clients, ipxe.efi ${size} bytes, median of ${ROUNDS} rounds`);
    for (const [what, args] of [
      ['blksize 1468', ['--tftp-blksize', '1468']],
      ['no options (512-byte blocks)', ['--tftp-no-options']],
    ] as const) {
      const ours = await medianRate(musterPort, [...args], outDir, size);
      const peer = hpaPort === null ? null : await medianRate(hpaPort, [...args], outDir, size);
      const peerText = peer === null ? '' : `  tftpd-hpa ${peer.toFixed(1)} MB/s  ratio ${(ours / peer).toFixed(2)}x`;
      console.log(`${what.padEnd(30)} muster ${ours.toFixed(1)} MB/s${peerText}`);
    }
  } finally {
    for (const child of [hpa, muster]) {
      if (child?.pid !== undefined) child.kill('SIGTERM');
      await child;
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/** The muster side: serve <root> on <port> until SIGTERM, then print its counters. */
async function serve(root: string, port: number): Promise<void> {
  const server = await startTftpServer({ root, host: '127.0.0.1', port, maxTransfers: 1000, maxTransfersPerClient: 1000, log: silentLogger() });
  process.once('SIGTERM', () => {
    const s = server.stats();
    console.log(`muster: ${s.outcomes.complete} transfers complete, ${s.retransmits} retransmissions, ${s.rejected.busy} busy`);
    void server.close();
  });
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) await serve(process.argv[serveAt + 1]!, Number(process.argv[serveAt + 2]));
else await main();
