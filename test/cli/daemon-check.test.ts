/** `muster daemon --check`: validates the configuration (and reaches DATABASE_URL) without starting. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { execa } from 'execa';
import { MUSTER_BIN } from '../helpers/daemon.js';
import { freshPgDatabase, requirePostgres } from '../helpers/db.js';

const pgSkip = await requirePostgres();

async function check(conf: string, env: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'muster-check-'));
  await writeFile(join(dir, 'muster.conf'), conf);
  const statedir = join(dir, 'state');
  const r = await execa(MUSTER_BIN, ['daemon', '--check', '--config', join(dir, 'muster.conf'), '--statedir', statedir], {
    env: { MUSTER_RUNTIME_DIR: join(dir, 'run'), ...env },
    reject: false,
  });
  // It binds nothing and writes nothing: no statedir, no runtime file.
  assert.deepEqual(await readdir(dir), ['muster.conf']);
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

it('a valid config exits 0 and names the statedir and database', async () => {
  const r = await check('http port = 8080\n');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^muster daemon --check: configuration valid; statedir \S+\/state, embedded database$/);
});

it('a bad value exits 2 with one line naming file, line and key', async () => {
  const r = await check('http port = 80x\n');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^muster: \S+muster\.conf:1: key 'http port': '80x' is not a port \(0-65535\) \(CONFIG_INVALID\)$/);
});

it('an unknown key exits 2 and points at the example config', async () => {
  const r = await check('htp port = 8080\n');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown key 'htp port'.*docs\/muster\.conf\.example.*\(CONFIG_INVALID\)/);
});

it('an unreachable DATABASE_URL exits 1 with DB_UNREACHABLE', async () => {
  const r = await check('', { DATABASE_URL: 'postgres://muster@127.0.0.1:1/muster' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^muster: cannot connect to database postgres:\/\/muster@127\.0\.0\.1:1\/muster: .*ECONNREFUSED.*\(DB_UNREACHABLE\)$/);
});

it('a reachable DATABASE_URL exits 0', { skip: pgSkip }, async () => {
  const { url, drop } = await freshPgDatabase();
  try {
    const r = await check('', { DATABASE_URL: url });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /reachable$/);
  } finally {
    await drop();
  }
});
