import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { populateTftpRoot } from '../../../src/boot/tftp/populate.js';
import { sha256File } from './helpers.js';
import { requireOrSkip } from '../../helpers/require.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'muster-populate-'));
}

test('populateTftpRoot copies the binaries present, reports the missing ones, and skips unchanged files', async () => {
  const dir = await tempDir();
  try {
    const ipxe = join(dir, 'ipxe');
    await mkdir(ipxe);
    await writeFile(join(ipxe, 'ipxe.efi'), 'efi');
    await writeFile(join(ipxe, 'undionly.kpxe'), 'bios');
    await mkdir(join(ipxe, 'snponly.efi')); // not a file: counted missing
    const root = join(dir, 'state', 'tftp');
    const first = await populateTftpRoot(root, ipxe);
    assert.deepEqual(first, {
      found: ['undionly.kpxe', 'ipxe.efi'],
      copied: ['undionly.kpxe', 'ipxe.efi'],
      missing: ['undionly.kkpxe', 'ipxe.pxe', 'snponly.efi'],
    });
    assert.equal(await readFile(join(root, 'ipxe.efi'), 'utf8'), 'efi');
    assert.equal((await stat(join(root, 'ipxe.efi'))).isSymbolicLink(), false);
    const again = await populateTftpRoot(root, ipxe);
    assert.deepEqual(again.copied, [], 'unchanged files are not copied again');
    await writeFile(join(ipxe, 'ipxe.efi'), 'newer efi');
    assert.deepEqual((await populateTftpRoot(root, ipxe)).copied, ['ipxe.efi']);
    assert.equal(await readFile(join(root, 'ipxe.efi'), 'utf8'), 'newer efi');
    assert.deepEqual((await readdir(root)).sort(), ['ipxe.efi', 'undionly.kpxe'], 'no temporary files left');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('populateTftpRoot warns when the ipxe directory is missing and still creates the root', async () => {
  const dir = await tempDir();
  try {
    const report = await populateTftpRoot(join(dir, 'tftp'), join(dir, 'no-ipxe'));
    assert.match(report.warning ?? '', /no-ipxe does not exist \(install the Debian package 'ipxe'/);
    assert.deepEqual(report.found, []);
    assert.equal(report.missing.length, 5);
    assert.ok(existsSync(join(dir, 'tftp')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("populateTftpRoot takes Debian's /usr/lib/ipxe (symlinked ipxe.efi resolved into a copy)", {
  skip: requireOrSkip(!existsSync('/usr/lib/ipxe/ipxe.efi') && 'Debian package ipxe not installed'),
}, async () => {
  const dir = await tempDir();
  try {
    const report = await populateTftpRoot(dir, '/usr/lib/ipxe');
    assert.ok(report.found.includes('ipxe.efi') && report.found.includes('undionly.kpxe'));
    assert.equal(await sha256File(join(dir, 'ipxe.efi')), await sha256File('/usr/lib/ipxe/ipxe.efi'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
