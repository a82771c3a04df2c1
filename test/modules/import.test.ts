/**
 * `module import`: real archives (bzip2, gzip, plain; contents at the top or under one top
 * directory) are unpacked into statedir/modules/<name>; every bad archive is refused with
 * MODULE_ARCHIVE_INVALID and leaves statedir/modules exactly as it was.
 */
import assert from 'node:assert/strict';
import { link, lstat, mkdir, mkdtemp, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { execa } from 'execa';
import { modules } from '../../src/modules/index.js';
import { helloTree, HELLO_SCRIPT, put, tarOf, refused } from './fixture.js';

/** Everything under statedir/modules, for "nothing changed" checks. */
async function snapshot(statedir: string): Promise<string[]> {
  const entries = await readdir(join(statedir, 'modules'), { recursive: true }).catch(() => [] as string[]);
  return entries.sort();
}

describe('module import', () => {
  let statedir: string;
  let src: string;
  before(async () => {
    statedir = await mkdtemp(join(tmpdir(), 'muster-mods-'));
    src = await helloTree();
    await modules.import(statedir, 'hello', await tarOf(src, ['.']));
  });

  it("unpacks Perceus's bzip2 .pmod into statedir/modules/<name>, modes kept, active nowhere", async () => {
    const dir = join(statedir, 'modules', 'hello');
    assert.equal(await readFile(join(dir, 'nodescripts', '50-hello'), 'utf8'), HELLO_SCRIPT);
    assert.equal((await stat(join(dir, 'nodescripts', '50-hello'))).mode & 0o777, 0o755);
    assert.equal((await stat(join(dir, 'defaultroles'))).mode & 0o777, 0o644);
    assert.equal(await readFile(join(dir, 'defaultroles'), 'utf8'), 'init/all\n');
    await assert.rejects(stat(join(dir, '.installed')));
    assert.deepEqual(await readdir(join(statedir, 'modules')), ['hello'], 'no scratch directory left');
  });

  it('reads GNU long names (a nodescript name past the 100 bytes of a tar header)', async () => {
    const d = await helloTree();
    const long = `60-${'x'.repeat(150)}`;
    await put(d, `nodescripts/${long}`, '#!/bin/sh\necho long\n', true);
    await modules.import(statedir, 'long', await tarOf(d, ['.']));
    assert.equal(await readFile(join(statedir, 'modules', 'long', 'nodescripts', long), 'utf8'), '#!/bin/sh\necho long\n');
  });

  it('takes gzip and plain tar, and drops one top directory; a symlink inside the module is kept', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'muster-top-'));
    await put(parent, 'pkg/nodescripts/10-a', '#!/bin/sh\necho a\n', true);
    await symlink('10-a', join(parent, 'pkg/nodescripts/11-a-again'));
    await put(parent, 'pkg/.installed', 'init/all\n');
    await modules.import(statedir, 'gz', await tarOf(parent, ['pkg'], '-czf'));
    await modules.import(statedir, 'plain', await tarOf(parent, ['pkg'], '-cf'));
    for (const m of ['gz', 'plain']) {
      const dir = join(statedir, 'modules', m);
      assert.equal(await readFile(join(dir, 'nodescripts', '10-a'), 'utf8'), '#!/bin/sh\necho a\n');
      assert.equal(await readlink(join(dir, 'nodescripts', '11-a-again')), '10-a');
      await assert.rejects(stat(join(dir, '.installed')), 'an archive cannot claim active roles');
    }
  });

  describe('bad input is refused and changes nothing', () => {
    const cases: Array<[string, () => Promise<Buffer>, string, RegExp]> = [
      ['not an archive', async () => Buffer.from('just some text, not a tar file\n'.repeat(40)), 'MODULE_ARCHIVE_INVALID', /not a tar archive/],
      ['an empty file', async () => Buffer.alloc(0), 'MODULE_ARCHIVE_INVALID', /not a tar archive/],
      ['a truncated archive', async () => (await tarOf(src, ['.'], '-cf')).subarray(0, 700), 'MODULE_ARCHIVE_INVALID', /truncated/],
      ['a broken bzip2 stream', async () => (await tarOf(src, ['.'])).subarray(0, 60), 'MODULE_ARCHIVE_INVALID', /bzip2/],
      [
        'an entry with ..',
        async () => {
          const d = await helloTree();
          await writeFile(join(d, '..', 'evil-dotdot'), 'x');
          return tarOf(d, ['nodescripts', '../evil-dotdot']);
        },
        'MODULE_ARCHIVE_INVALID',
        /'\.\.\/evil-dotdot' climbs out with '\.\.'/,
      ],
      [
        'an absolute entry',
        async () => {
          const d = await helloTree();
          return tarOf(d, ['nodescripts', join(d, 'defaultroles')]);
        },
        'MODULE_ARCHIVE_INVALID',
        /has an absolute path/,
      ],
      [
        'a symlink climbing out',
        async () => {
          const d = await helloTree();
          await symlink('../../../../etc/passwd', join(d, 'nodescripts', '60-evil'));
          return tarOf(d, ['.']);
        },
        'MODULE_ARCHIVE_INVALID',
        /symlink 'nodescripts\/60-evil' points at '\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd', outside the module/,
      ],
      [
        'an absolute symlink',
        async () => {
          const d = await helloTree();
          await symlink('/etc/passwd', join(d, 'nodescripts', '60-evil'));
          return tarOf(d, ['.']);
        },
        'MODULE_ARCHIVE_INVALID',
        /points at '\/etc\/passwd', outside the module/,
      ],
      [
        'a symlink out through the dropped top directory',
        async () => {
          const parent = await mkdtemp(join(tmpdir(), 'muster-top-'));
          await put(parent, 'pkg/nodescripts/10-a', 'x', true);
          await symlink('../../other', join(parent, 'pkg/nodescripts/11-b'));
          return tarOf(parent, ['pkg']);
        },
        'MODULE_ARCHIVE_INVALID',
        /outside the module/,
      ],
      [
        'a file written through a symlink',
        async () => {
          const d = await helloTree();
          await mkdir(join(d, 'real'));
          await symlink('real', join(d, 'via'));
          await writeFile(join(d, 'real', 'f'), 'x');
          return tarOf(d, ['nodescripts', 'via', 'via/f']);
        },
        'MODULE_ARCHIVE_INVALID',
        /'via\/f' lies beneath the symlink 'via'/,
      ],
      [
        'a symlink through another symlink',
        async () => {
          const d = await helloTree();
          await symlink('.', join(d, 'nodescripts', 'here'));
          await symlink('here/../..', join(d, 'nodescripts', '60-up'));
          return tarOf(d, ['.']);
        },
        'MODULE_ARCHIVE_INVALID',
        /symlink 'nodescripts\/60-up' points through another symlink \('nodescripts\/here'\)/,
      ],
      [
        'an entry twice',
        async () => tarOf(await helloTree(), ['nodescripts', 'nodescripts/50-hello']),
        'MODULE_ARCHIVE_INVALID',
        /'nodescripts\/50-hello' appears twice/,
      ],
      [
        'a FIFO',
        async () => {
          const d = await helloTree();
          await execa('mkfifo', [join(d, 'nodescripts', '60-fifo')]);
          return tarOf(d, ['.']);
        },
        'MODULE_ARCHIVE_INVALID',
        /'nodescripts\/60-fifo' is a device, FIFO or unknown type '6'/,
      ],
      [
        'a hard link',
        async () => {
          const d = await helloTree();
          await link(join(d, 'nodescripts', '50-hello'), join(d, 'nodescripts', '51-hard'));
          return tarOf(d, ['.']);
        },
        'MODULE_ARCHIVE_INVALID',
        /is a hard link/,
      ],
      [
        'no nodescripts/',
        async () => {
          const d = await mkdtemp(join(tmpdir(), 'muster-pmod-'));
          await put(d, 'defaultroles', 'init/all\n');
          await put(d, 'other/file', 'x');
          return tarOf(d, ['.']);
        },
        'MODULE_ARCHIVE_INVALID',
        /not a Perceus module: no nodescripts\/ directory/,
      ],
    ];
    for (const [what, archive, code, message] of cases) {
      it(what, async () => {
        const was = await snapshot(statedir);
        await refused(modules.import(statedir, 'evil', await archive()), code, message);
        assert.deepEqual(await snapshot(statedir), was);
      });
    }

    it('a name that is not a module name', async () => {
      const was = await snapshot(statedir);
      for (const name of ['../up', '.hidden', 'a/b', '']) {
        await refused(modules.import(statedir, name, await tarOf(src, ['.'])), 'MODULE_NAME_INVALID', /is not a module name/);
      }
      assert.deepEqual(await snapshot(statedir), was);
    });

    it('a module installed already is left as it was', async () => {
      const other = await helloTree();
      await put(other, 'nodescripts/50-hello', '#!/bin/sh\necho replaced\n', true);
      const was = await snapshot(statedir);
      await refused(modules.import(statedir, 'hello', await tarOf(other, ['.'])), 'MODULE_INSTALLED', /'hello' is already installed/);
      assert.deepEqual(await snapshot(statedir), was);
      assert.equal(await readFile(join(statedir, 'modules', 'hello', 'nodescripts', '50-hello'), 'utf8'), HELLO_SCRIPT);
    });

    it('a failing install script: the module is removed again', async () => {
      const d = await helloTree();
      await put(d, 'install', '#!/bin/sh\necho "cannot install $1" >&2\nexit 4\n', true);
      const was = await snapshot(statedir);
      await refused(modules.import(statedir, 'failing', await tarOf(d, ['.'])), 'MODULE_HOOK_FAILED', /install exited 4: cannot install failing/);
      assert.deepEqual(await snapshot(statedir), was);
      assert.equal(await lstat(join(statedir, 'modules', 'failing')).catch(() => null), null);
    });
  });
});
