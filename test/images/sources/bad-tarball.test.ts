/**
 * Issue 10's bad input, tarballs: each refused with a one-line IMAGE_SOURCE_UNSAFE or
 * IMAGE_SOURCE_INVALID naming the member, and nothing written outside staging — `..` and absolute
 * member paths (refused, not stripped), a member through a symlink already unpacked, a relative
 * symlink climbing above the root, hard links to outside or to nothing, truncated, corrupt and
 * garbage archives. An abort stops the decompressor and rejects with IMAGE_IMPORT_ABORTED.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { MusterError } from '../../../src/errors.js';
import { unpackSource } from '../../../src/images/index.js';
import { buildTarball } from '../../helpers/image-sources.js';
import { type RawMember, tarBytes } from '../../helpers/tar-bytes.js';

let dir: string;
let outside: string;
let n = 0;

/** Unpacks `bytes` as a tarball; the error it rejects with (or null), having checked nothing leaked. */
async function attempt(bytes: Buffer, name = 'bad.tar'): Promise<MusterError | null> {
  const work = join(dir, `case-${++n}`);
  await mkdir(work);
  await writeFile(join(work, name), bytes);
  const err = await unpackSource(join(work, name), join(work, 'staging')).then(
    () => null,
    (e: unknown) => e,
  );
  assert.deepEqual((await readdir(work)).sort(), [name, 'staging'], 'nothing beside staging');
  assert.deepEqual(await readdir(outside), [], 'nothing written outside');
  if (err === null) return null;
  assert.ok(err instanceof MusterError, `a MusterError, not ${String(err)}`);
  assert.ok(!err.message.includes('\n'), 'one line');
  return err;
}

async function refused(members: RawMember[], code: string, message: RegExp): Promise<void> {
  const err = await attempt(tarBytes(members));
  assert.ok(err, 'refused');
  assert.equal(err.code, code, err.message);
  assert.match(err.message, message);
}

describe('unpackSource: bad tarballs', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-src-bad-'));
    outside = join(dir, 'outside');
    await mkdir(outside);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a member with .. is refused, not stripped', () =>
    refused([{ name: 'etc/../../outside/x', data: 'x' }], 'IMAGE_SOURCE_UNSAFE', /'etc\/\.\.\/\.\.\/outside\/x' climbs out with '\.\.'/));

  it('an absolute member path is refused', () => refused([{ name: `${dir}/outside/x`, data: 'x' }], 'IMAGE_SOURCE_UNSAFE', /has an absolute path/));

  it('a member through a symlink already unpacked is refused (x -> /dir, then x/file)', () =>
    refused(
      [
        { name: 'x', type: '2', linkname: outside },
        { name: 'x/pwned', data: 'x' },
      ],
      'IMAGE_SOURCE_UNSAFE',
      /member 'x\/pwned' would be written through the symlink 'x'/,
    ));

  it('a relative symlink climbing above the root is refused; absolute and in-root ones are kept', async () => {
    await refused(
      [{ name: 'etc/up', type: '2', linkname: '../../outside' }],
      'IMAGE_SOURCE_UNSAFE',
      /symlink 'etc\/up' -> '\.\.\/\.\.\/outside' climbs above the image root/,
    );
    assert.equal(
      await attempt(
        tarBytes([
          { name: 'etc/', type: '5' },
          { name: 'etc/abs', type: '2', linkname: '/etc/passwd' },
          { name: 'etc/rel', type: '2', linkname: '../usr/lib/x' },
        ]),
      ),
      null,
    );
    assert.equal(await readlink(join(dir, `case-${n}`, 'staging/rootfs/etc/abs')), '/etc/passwd');
  });

  it('hard links to outside, through a symlink, or to nothing are refused', async () => {
    await refused([{ name: 'h', type: '1', linkname: '../outside/x' }], 'IMAGE_SOURCE_UNSAFE', /climbs out with '\.\.'/);
    await refused([{ name: 'h', type: '1', linkname: '/etc/passwd' }], 'IMAGE_SOURCE_UNSAFE', /absolute path/);
    await refused(
      [{ name: 'h', type: '1', linkname: 'nothere' }],
      'IMAGE_SOURCE_UNSAFE',
      /hard link 'h' points at 'nothere', which the archive does not hold before it/,
    );
    await writeFile(join(outside, '..', 'secret'), 'secret');
    await refused(
      [
        { name: 'x', type: '2', linkname: dir },
        { name: 'h', type: '1', linkname: 'x/secret' },
      ],
      'IMAGE_SOURCE_UNSAFE',
      /member 'x\/secret' would be written through the symlink 'x'/,
    );
    await rm(join(dir, 'secret'));
  });

  it('a truncated archive (in data, in a header, without its end blocks), plain and compressed', async () => {
    const tree = join(dir, 'tree');
    await mkdir(join(tree, 'etc'), { recursive: true });
    await writeFile(join(tree, 'etc/big'), randomBytes(200_000));
    await writeFile(join(tree, 'etc/small'), 'small');
    const whole = join(dir, 'whole.tar');
    await buildTarball(tree, whole);
    const bytes = await readFile(whole);
    for (const [cut, why] of [
      [100_000, /archive is truncated \(in '(etc\/big)', \d+ of 200000 bytes\)/],
      [bytes.length - 10240 + 100, /truncated/],
    ] as const) {
      const err = await attempt(bytes.subarray(0, cut));
      assert.equal(err?.code, 'IMAGE_SOURCE_INVALID');
      assert.match(err!.message, why);
    }
    const members = tarBytes([{ name: 'a', data: 'a' }]);
    assert.match((await attempt(members.subarray(0, members.length - 1024)))!.message, /archive is truncated/);
    for (const compress of ['gzip', 'zstd', 'bzip2'] as const) {
      const file = join(dir, `whole.${compress}`);
      await buildTarball(tree, file, compress);
      const packed = await readFile(file);
      const err = await attempt(packed.subarray(0, Math.floor(packed.length / 2)));
      assert.equal(err?.code, 'IMAGE_SOURCE_INVALID', `${compress}: ${err?.message}`);
      assert.match(err!.message, new RegExp(`not a valid ${compress} file|truncated`));
    }
  });

  it('a corrupt header checksum, garbage and an empty file', async () => {
    const bytes = tarBytes([
      { name: 'a', data: 'a' },
      { name: 'b', data: 'b' },
    ]);
    bytes[1034] = bytes[1034]! ^ 0x40; // inside the second header's name
    assert.match((await attempt(bytes))!.message, /bad\.tar: corrupt tar header at byte 1024: bad header checksum/);
    assert.match((await attempt(randomBytes(4096)))!.message, /not a tar archive/);
    assert.match((await attempt(Buffer.alloc(0)))!.message, /empty archive/);
  });

  it('an abort stops the decompressor at once and rejects with IMAGE_IMPORT_ABORTED', async () => {
    const tree = join(dir, 'slow');
    await mkdir(tree);
    await writeFile(join(tree, 'noise'), randomBytes(8 * 1024 * 1024));
    const file = join(dir, 'slow.tar.bz2');
    await buildTarball(tree, file, 'bzip2');
    const stop = new AbortController();
    const started = performance.now();
    const err = await unpackSource(file, join(dir, 'slow-staging'), { signal: stop.signal, onProgress: () => stop.abort() }).catch((e: unknown) => e);
    assert.ok(err instanceof MusterError && err.code === 'IMAGE_IMPORT_ABORTED', String(err));
    assert.ok(performance.now() - started < 5000, 'promptly');
    const ps = await execa('ps', ['-eo', 'args']);
    assert.ok(!ps.stdout.includes('bzip2 -dc'), 'no bzip2 left running');
    await truncate(file, 0);
  });
});
