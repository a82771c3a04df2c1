/**
 * The streaming tar reader against GNU tar (the peer) in its gnu, posix (pax) and ustar formats:
 * the same member names (GNU L/K long names and links, pax path/linkpath, the ustar prefix,
 * non-ASCII), types and data, whatever size the input's chunks come in.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { readTarStream } from '../../src/tar/index.js';

const invalid = (m: string) => new Error(m);
let dir: string;
const LONG = `${'d'.repeat(100)}/${'é'.repeat(60)}/${'f'.repeat(100)}`; // 302 characters, 362 bytes

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function members(bytes: Buffer, size: number): Promise<string[]> {
  const out: string[] = [];
  for await (const m of readTarStream(chunked(bytes, size), invalid)) {
    const h = createHash('sha256');
    for await (const c of m.data()) h.update(c);
    out.push(`${m.type} ${m.path} ${m.linkname} ${m.size} ${h.digest('hex').slice(0, 8)}`);
  }
  return out;
}

describe('readTarStream', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-tar-'));
    const t = join(dir, 'tree');
    await mkdir(join(t, LONG), { recursive: true });
    await mkdir(join(t, `${'p'.repeat(120)}/q`), { recursive: true });
    await writeFile(join(t, LONG, 'file'), 'long\n'.repeat(1000));
    await writeFile(join(t, `${'p'.repeat(120)}/q/prefixed`), 'ustar prefix');
    await link(join(t, LONG, 'file'), join(t, 'hard'));
    await link(join(t, 'hard'), join(t, LONG, 'hard-too'));
    await symlink(LONG, join(t, 'sym'));
    await writeFile(join(t, 'empty'), '');
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const format of ['gnu', 'posix', 'ustar'] as const) {
    it(`${format} format: the members GNU tar lists, in any chunk size`, async () => {
      const file = join(dir, `${format}.tar`);
      // ustar cannot hold names past 255 bytes: only the prefixed path there.
      const what = format === 'ustar' ? [`./${'p'.repeat(120)}/q/prefixed`] : ['.'];
      await execa('tar', ['--sort=name', `--format=${format}`, '-C', join(dir, 'tree'), '-cf', file, ...what]);
      const bytes = await readFile(file);
      const listed = (await execa('tar', ['-tf', file])).stdout.split('\n').map((p) => p.replace(/^\.\/?/, '').replace(/\/$/, ''));
      const whole = await members(bytes, bytes.length);
      assert.deepEqual(
        whole.map((m) => m.split(' ')[1]),
        listed,
      );
      for (const size of [1, 7, 511, 513, 65536]) assert.deepEqual(await members(bytes, size), whole, `chunks of ${size}`);
      if (format !== 'ustar') {
        // Hard link targets are stored as archived (`./…`); readers normalize them as member paths.
        assert.ok(
          whole.some((m) => m.startsWith('1 hard ') && m.split(' ')[2] === `./${LONG}/file`),
          'a hard link with a long target',
        );
        assert.ok(whole.includes(`2 sym ${LONG} 0 e3b0c442`), 'a symlink with a long target');
      } else assert.match(whole.at(-1)!, /^0 p{120}\/q\/prefixed {2}12 /);
    });
  }

  it('a member whose data is left unread is skipped; truncation and garbage are errors', async () => {
    const file = join(dir, 'skip.tar');
    await execa('tar', ['--sort=name', '-C', join(dir, 'tree'), '-cf', file, 'empty', 'hard']);
    const bytes = await readFile(file);
    const names: string[] = [];
    for await (const m of readTarStream(chunked(bytes, 100), invalid)) names.push(m.path);
    assert.deepEqual(names, ['empty', 'hard']);
    await assert.rejects(members(bytes.subarray(0, 1500), 512), /archive is truncated \(in 'hard', 476 of 5000 bytes\)/);
    await assert.rejects(members(Buffer.alloc(2048, 1), 512), /not a tar archive/);
  });
});
