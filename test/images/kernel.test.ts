import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findKernel, resolveInImage } from '../../src/images/index.js';

describe("the kernel an image boots, found inside the image's own tree", () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'muster-kernel-'));
    await mkdir(join(root, 'boot'));
    await mkdir(join(root, 'usr/lib/kernel'), { recursive: true });
    for (const v of ['5.10.0-28-amd64', '6.1.0-9-amd64', '6.1.0-18-amd64']) await writeFile(join(root, `boot/vmlinuz-${v}`), `kernel ${v}`);
    await writeFile(join(root, 'boot/config-6.1.0-18-amd64'), 'not a kernel');
    await symlink('boot/vmlinuz-6.1.0-9-amd64', join(root, 'vmlinuz'));
  });
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('picks the newest /boot/vmlinuz-<version> by version order, not by string order', async () => {
    const k = await findKernel(root);
    assert.equal(k.version, '6.1.0-18-amd64');
    assert.equal(k.file, join(root, 'boot/vmlinuz-6.1.0-18-amd64'));
  });

  it('--kernel names a path inside the image; its version comes from the file a symlink leads to', async () => {
    assert.deepEqual(await findKernel(root, '/vmlinuz'), { file: join(root, 'boot/vmlinuz-6.1.0-9-amd64'), version: '6.1.0-9-amd64' });
    await assert.rejects(findKernel(root, '/boot/nosuch'), { code: 'IMAGE_KERNEL_NOT_FOUND', message: /--kernel \/boot\/nosuch: no such file in the image/ });
  });

  it("follows symlinks against the image root: an absolute or climbing target never reaches the master's files", async () => {
    const img = await mkdtemp(join(tmpdir(), 'muster-kernel-'));
    try {
      await mkdir(join(img, 'boot'));
      await mkdir(join(img, 'usr/lib/kernel'), { recursive: true });
      // Newer versions than the real one, pointing at files only the master has.
      await symlink('/etc/hostname', join(img, 'boot/vmlinuz-9.9'));
      await symlink('../../../../../../../etc/hostname', join(img, 'boot/vmlinuz-9.8'));
      await symlink('/usr/lib/kernel/vmlinuz', join(img, 'boot/vmlinuz-6.2'));
      await writeFile(join(img, 'usr/lib/kernel/vmlinuz'), 'kernel 6.2');
      assert.equal(await resolveInImage(img, 'boot/vmlinuz-9.9'), null);
      assert.equal(await resolveInImage(img, 'boot/vmlinuz-9.8'), null);
      assert.deepEqual(await findKernel(img), { file: join(img, 'usr/lib/kernel/vmlinuz'), version: '6.2' });
    } finally {
      await rm(img, { recursive: true, force: true });
    }
  });

  it('an image without a kernel, or with a symlink loop, is a clear error', async () => {
    const img = await mkdtemp(join(tmpdir(), 'muster-kernel-'));
    try {
      await assert.rejects(findKernel(img), { code: 'IMAGE_KERNEL_NOT_FOUND', message: /no \/boot\/vmlinuz-<version> \(install a kernel package/ });
      await mkdir(join(img, 'boot'));
      await symlink('vmlinuz-b', join(img, 'boot/vmlinuz-a'));
      await symlink('vmlinuz-a', join(img, 'boot/vmlinuz-b'));
      await assert.rejects(findKernel(img), { code: 'IMAGE_INVALID', message: /more than 40 symlinks inside the image/ });
    } finally {
      await rm(img, { recursive: true, force: true });
    }
  });
});
