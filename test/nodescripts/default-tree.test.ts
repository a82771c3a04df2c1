import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import Fastify, { type FastifyInstance } from 'fastify';
import { filesRoutes } from '../../src/api/files.js';
import { addNode, setNodes } from '../../src/nodes/index.js';
import { installDefaultTree } from '../../src/nodescripts/install.js';
import { DEFAULT_NODESCRIPTS_DIR } from '../../src/paths.js';
import { MUSTER_BIN } from '../helpers/daemon.js';
import { fixture, DEFAULTS, writeModule, type Fixture } from './fixture.js';

/** Runs a script as a node would (busybox sh in an empty directory); returns exit code and output. */
function runOnNode(script: Buffer, cwd: string, env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('busybox', ['sh', '-s'], { cwd, env: { PATH: '/usr/bin:/bin', ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? (err.code as number) : 0, out: stdout + stderr }),
    );
    child.stdin!.end(script);
  });
}

describe('the shipped default module tree', () => {
  let f: Fixture;
  let app: FastifyInstance;
  let nodeDir: string;
  before(async () => {
    f = await fixture('pglite');
    app = Fastify();
    await app.register(filesRoutes({ statedir: f.statedir }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    // The files server's port is known only now; the service's options are private to it.
    // biome-ignore lint/complexity/useLiteralKeys: bracket access is how a test reaches a private field
    f.service['opts'].render.vnfs.vnfsMaster = `127.0.0.1:${port}`;
    nodeDir = await mkdtemp(join(tmpdir(), 'muster-node-'));
  });
  after(async () => {
    await app.close();
    await f.cleanup();
    await rm(nodeDir, { recursive: true, force: true });
  });

  it('installs into a new statedir only, executables kept executable', async () => {
    assert.equal(await installDefaultTree(f.statedir), true);
    assert.deepEqual(await readdir(join(f.statedir, 'nodescripts/init/all')), ['00-muster-init', '99-muster-last']);
    assert.ok(((await stat(join(f.statedir, 'nodescripts/init/all/00-muster-init'))).mode & 0o111) !== 0);
    assert.equal(await installDefaultTree(f.statedir), false);
  });

  it('a node without a VNFS is told it has nothing to boot yet, and the script succeeds without a sleep', async () => {
    await addNode(f.db, { mac: '02:00:00:00:02:01', name: 'bare' }, DEFAULTS);
    const r = await f.service.provide({ state: 'init', mac: '02:00:00:00:02:01', ip: '127.0.0.1', proto: 'http' });
    assert.doesNotMatch(r.script.toString(), /^sleep\b/m, 'nothing makes the node wait');
    const run = await runOnNode(r.script, nodeDir);
    assert.equal(run.code, 0, run.out);
    assert.equal(run.out, 'muster: nothing to boot yet: node bare has no VNFS image; assign one on the master: muster node set vnfs <name> bare\n');
  });

  it('the shipped modules name only commands that exist', async () => {
    const texts = await Promise.all(['00-muster-init', '99-muster-last'].map((m) => readFile(join(DEFAULT_NODESCRIPTS_DIR, 'init/all', m), 'utf8')));
    // What the node is told: the modules' code, not their comments.
    const code = texts.map((t) => t.replace(/^\s*#.*$/gm, '')).join('\n');
    const commands = new Set([...code.matchAll(/\bmuster ([a-z]+) ([a-z]+)/g)].map((m) => `${m[1]} ${m[2]}`));
    assert.ok(commands.size >= 2, [...commands].join(', '));
    for (const c of commands) {
      const r = await execa(MUSTER_BIN, [...c.split(' '), '--help'], { reject: false });
      assert.equal(r.exitCode, 0, `'muster ${c}' named by a shipped module: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: muster ${c}\\b`, 'm'), `'muster ${c}' is a command of its own`);
    }
  });

  it('a disabled node stops at the init module', async () => {
    await setNodes(f.db, ['02:00:00:00:02:01'], 'enabled', '0');
    const r = await f.service.provide({ state: 'init', mac: '02:00:00:00:02:01', ip: '127.0.0.1', proto: 'http' });
    const run = await runOnNode(r.script, nodeDir);
    assert.equal(run.code, 1);
    assert.match(run.out, /node bare is disabled; enable it on the master: muster node set enabled 1 bare/);
    assert.doesNotMatch(run.out, /VNFS/);
  });

  it('getfile downloads over HTTP from /files; no image taking over reaches the last module', async () => {
    await mkdir(join(f.statedir, 'files'), { recursive: true });
    await writeFile(join(f.statedir, 'files/motd'), 'welcome\n');
    await addNode(f.db, { mac: '02:00:00:00:02:02', name: 'full' }, { ...DEFAULTS, vnfs: 'img1' });
    await writeModule(
      f.statedir,
      'init/vnfs/img1/50-fetch',
      '#!/bin/sh\ngetfile files/motd && cat motd\ngetfile files/missing || echo fetch-failed-as-expected\n',
      false,
    );
    const r = await f.service.provide({ state: 'init', mac: '02:00:00:00:02:02', ip: '127.0.0.1', proto: 'http' });
    // the last module would reboot the test machine: cut the script before its reboot line
    const text = r.script.toString();
    assert.match(text, /reboot -f\n/);
    const safe = Buffer.from(text.replace(/if read -t 30[^\n]*\nreboot -f\n/, 'exit 7\n'));
    const run = await runOnNode(safe, nodeDir);
    assert.equal(run.code, 7, run.out);
    assert.match(run.out, /welcome\n/);
    assert.match(run.out, /no module booted VNFS 'img1' on full/);
    assert.match(run.out, /getfile: cannot fetch http:\/\/127\.0\.0\.1:\d+\/files\/files\/missing/);
    assert.match(run.out, /fetch-failed-as-expected/);
    // Under muster's own boot steps (the overlay, discovery) the last module lets them go on.
    for (const boot of ['overlay', 'discovery']) {
      const own = await runOnNode(safe, nodeDir, { MUSTER_BOOT: boot });
      assert.equal(own.code, 0, own.out);
      assert.doesNotMatch(own.out, /no module booted VNFS|rebooting/);
    }
  });
});
