/**
 * vnfs.img build time: writeRootfsImage on a generated rootfs tree against
 * `find . | cpio -o -H newc | gzip` (Debian's GNU cpio and gzip, default level 6 like zlib's) on
 * the same tree in the same run, both from a warm page cache and both made durable (muster
 * fsyncs its image; the peer gets `sync FILE`). The tree is shaped like a distribution root:
 * tens of thousands of small files in nested directories, a few large ones, symlinks; contents
 * are cut from this machine's own binaries and text, so they compress as a real image does.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { writeRootfsImage } from '../../src/images/index.js';

const MiB = 1024 * 1024;

/** 64 MiB of real bytes: shared libraries, programs and documentation from this machine. */
async function contentPool(): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for (const dir of ['/usr/lib/x86_64-linux-gnu', '/usr/bin', '/usr/share/perl5', '/usr/share/doc', '/usr/lib/python3']) {
    for (const name of await readdir(dir, { recursive: true }).catch(() => [] as string[])) {
      if (total >= 64 * MiB) break;
      const p = join(dir, name);
      const st = await stat(p).catch(() => null);
      if (!st?.isFile() || st.size > 8 * MiB) continue;
      const b = await readFile(p).catch(() => null);
      if (b) {
        parts.push(b);
        total += b.length;
      }
    }
  }
  return Buffer.concat(parts);
}

/** A rootfs of about `mib` MiB: 40 % small files (200 B–64 KiB, log-spread), the rest large ones. */
export async function makeTree(root: string, mib: number): Promise<{ files: number; bytes: number }> {
  const pool = await contentPool();
  let seed = 1;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const slice = (n: number) => {
    const at = Math.floor(rnd() * (pool.length - n));
    return pool.subarray(at, at + n);
  };
  let files = 0;
  let bytes = 0;
  const smallBudget = mib * MiB * 0.4;
  const pending: Promise<void>[] = [];
  for (let d = 0; bytes < smallBudget; d++) {
    const dir = join(root, 'usr', `d${d % 40}`, `sub${d}`);
    await mkdir(dir, { recursive: true });
    for (let f = 0; f < 100 && bytes < smallBudget; f++) {
      const n = Math.floor(200 * 2 ** (rnd() * 8.4)); // 200 B … ~64 KiB
      pending.push(writeFile(join(dir, `f${f}.so`), slice(n)));
      if (f % 10 === 0) pending.push(symlink(`f${f}.so`, join(dir, `l${f}`)));
      files++;
      bytes += n;
      if (pending.length >= 64) await Promise.all(pending.splice(0));
    }
  }
  await Promise.all(pending);
  await mkdir(join(root, 'opt/big'), { recursive: true });
  for (let i = 0; bytes < mib * MiB; i++) {
    const n = Math.min(Math.floor((40 + rnd() * 80) * MiB), mib * MiB - bytes);
    const parts: Buffer[] = [];
    for (let got = 0; got < n; got += 4 * MiB) parts.push(slice(Math.min(4 * MiB, n - got)));
    await writeFile(join(root, 'opt/big', `blob${i}`), Buffer.concat(parts));
    files++;
    bytes += n;
  }
  return { files, bytes };
}

export async function imageBuild(opts: { treeMiB: number }): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-build-'));
  try {
    const tree = join(dir, 'rootfs');
    const t0 = performance.now();
    const shape = await makeTree(tree, opts.treeMiB);
    console.log(
      `vnfs.img build: a ${(shape.bytes / MiB).toFixed(0)} MiB tree of ${shape.files} files (+ symlinks), made in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
        `load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    const peerOut = join(dir, 'peer.img');
    let t = performance.now();
    await execa('sh', ['-c', `cd "${tree}" && find . | cpio -o -H newc --quiet | gzip > "${peerOut}" && sync "${peerOut}"`]);
    const peer = (performance.now() - t) / 1000;
    t = performance.now();
    const art = await writeRootfsImage(tree, join(dir, 'vnfs.img'));
    const ours = (performance.now() - t) / 1000;
    const peerSize = (await stat(peerOut)).size;
    console.log(`  find | cpio -o -H newc | gzip   ${peer.toFixed(2)} s → ${(peerSize / MiB).toFixed(0)} MiB`);
    console.log(`  writeRootfsImage                ${ours.toFixed(2)} s → ${(art.size / MiB).toFixed(0)} MiB (sorted, fixed metadata, fsynced)`);
    console.log(
      `  ratio ${(ours / peer).toFixed(2)}× (goal ≤ 1.2×); load average after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
