import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { cli, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { requireOrSkip } from '../helpers/require.js';

const IPXE_EFI = '/usr/lib/ipxe/ipxe.efi';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('network boot served by the daemon (TFTP, iPXE over HTTP, files)', () => {
  let d: TestDaemon;
  before(async () => {
    d = await spawnDaemon();
    await cli(d, ['-q', 'node', 'add', '52:54:00:12:34:56']);
  });
  after(async () => d?.stop());

  it('serves the iPXE binaries over TFTP from the populated root', {
    skip: requireOrSkip(!existsSync(IPXE_EFI) && 'Debian package ipxe missing'),
  }, async () => {
    const r = await execa('curl', ['-s', '--tftp-blksize', '1468', `tftp://127.0.0.1:${d.info.ports.tftp}/ipxe.efi`], { encoding: 'buffer', reject: false });
    assert.equal(r.exitCode, 0);
    assert.equal(sha(Buffer.from(r.stdout)), sha(await readFile(IPXE_EFI)));
    const http = await fetch(`${d.info.http}/files/tftp/ipxe.efi`);
    assert.equal(http.status, 200);
    assert.equal(sha(Buffer.from(await http.arrayBuffer())), sha(await readFile(IPXE_EFI)), 'UEFI HTTP boot gets the same binary');
    const traversal = await execa('curl', ['-s', `tftp://127.0.0.1:${d.info.ports.tftp}/../admin.token`], { reject: false });
    assert.notEqual(traversal.exitCode, 0);
  });

  it('chains /boot.ipxe to the per-MAC script and picks the script from the bootenv at request time', async () => {
    const chain = await (await fetch(`${d.info.http}/boot.ipxe`)).text();
    assert.match(chain, /^#!ipxe\n/);
    assert.ok(chain.includes(`chain --replace ${d.info.http}/boot/\${net0/mac:hexhyp}`), chain);
    // Without discovery files the node is told why; once they are there it boots them.
    const without = await (await fetch(`${d.info.http}/boot/52-54-00-12-34-56`)).text();
    assert.match(without, /cannot boot discovery: the master has no discovery vmlinuz and initrd\.img/);
    await mkdir(join(d.statedir, 'bootenvs', 'discovery'), { recursive: true });
    for (const f of ['vmlinuz', 'initrd.img']) await writeFile(join(d.statedir, 'bootenvs', 'discovery', f), f);
    const byHexhyp = await (await fetch(`${d.info.http}/boot/52-54-00-12-34-56`)).text();
    assert.match(byHexhyp, /files\/bootenvs\/discovery\/vmlinuz/, 'a new node boots discovery');
    assert.equal(await (await fetch(`${d.info.http}/boot/52%3A54%3A00%3A12%3A34%3A56`)).text(), byHexhyp, 'iPXE URL-encodes colons');
    await cli(d, ['-q', 'node', 'set', 'bootenv', 'local', 'n0000', '-y']);
    const local = await (await fetch(`${d.info.http}/boot/52:54:00:12:34:56`)).text();
    assert.doesNotMatch(local, /vmlinuz/);
    assert.match(local, /local/i);
    const unknown = await (await fetch(`${d.info.http}/boot/52-54-00-ff-ff-ff`)).text();
    assert.match(unknown, /discovery/, 'an unknown MAC gets discovery');
    const bad = await fetch(`${d.info.http}/boot/not-a-mac`);
    assert.equal(bad.status, 400);
    const shown = JSON.parse((await cli(d, ['node', 'show', 'n0000', '--json'])).stdout) as { nodes: Array<{ bootenv: string }> };
    assert.equal(shown.nodes[0]!.bootenv, 'local');
  });

  it('serves an admin bootenv template with the node fields substituted', async () => {
    const { writeFile, mkdir } = await import('node:fs/promises');
    await mkdir(join(d.statedir, 'bootenvs'), { recursive: true });
    await writeFile(join(d.statedir, 'bootenvs', 'rescue.ipxe'), '#!ipxe\necho rescue {{name}} {{mac}}\nshell\n');
    await cli(d, ['-q', 'node', 'set', 'bootenv', 'rescue', 'n0000', '-y']);
    const s = await (await fetch(`${d.info.http}/boot/52-54-00-12-34-56`)).text();
    assert.match(s, /^echo rescue n0000 52:54:00:12:34:56$/m);
  });
});
