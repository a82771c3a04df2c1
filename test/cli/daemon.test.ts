import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, EPHEMERAL_PORTS, MUSTER_BIN, spawnDaemon } from '../helpers/daemon.js';
import { freshPgDatabase, requirePostgres } from '../helpers/db.js';
import { execa } from 'execa';

const pgSkip = await requirePostgres();

async function daemonFails(args: string[], env: Record<string, string> = {}): Promise<{ exitCode: number; line: string }> {
  const runtime = await mkdtemp(join(tmpdir(), 'muster-run-'));
  const r = await execa(MUSTER_BIN, ['daemon', ...EPHEMERAL_PORTS, ...args], {
    env: { MUSTER_RUNTIME_DIR: runtime, MUSTER_LOG_LEVEL: 'fatal', ...env },
    reject: false,
    timeout: 60_000,
  });
  const lines = String(r.stderr)
    .split('\n')
    .filter((l) => l.startsWith('muster:'));
  assert.equal(lines.length, 1, String(r.stderr));
  return { exitCode: r.exitCode ?? -1, line: lines[0]! };
}

/** Two CLI processes each add 500 nodes at once: 1,000 nodes, 1,000 distinct names. */
async function concurrentBulkAdds(databaseUrl?: string): Promise<void> {
  const d = await spawnDaemon(databaseUrl ? { databaseUrl } : {});
  try {
    const files = await Promise.all(
      [0, 1].map(async (p) => {
        const f = join(d.statedir, `batch${p}.txt`);
        const lines = Array.from(
          { length: 500 },
          (_, i) => `02:00:00:0${p}:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`,
        );
        await writeFile(f, lines.join('\n'));
        return f;
      }),
    );
    // and, at the same time, single adds racing the batches
    const singles = Array.from({ length: 10 }, (_, i) => cli(d, ['-q', 'node', 'add', `02:00:00:09:00:${i.toString(16).padStart(2, '0')}`]));
    const results = await Promise.all([...files.map((f) => cli(d, ['-q', 'node', 'add', '--file', f])), ...singles]);
    for (const r of results) assert.equal(r.exitCode, 0, r.stderr);
    const names = JSON.parse((await cli(d, ['node', 'list', '--json'])).stdout) as string[];
    assert.equal(names.length, 1010);
    assert.equal(new Set(names).size, 1010);
    assert.deepEqual(
      [...names].sort(),
      Array.from({ length: 1010 }, (_, i) => `n${String(i).padStart(4, '0')}`),
    );
  } finally {
    await d.stop();
  }
}

describe('muster daemon start-up and concurrency', () => {
  it('adds 2 x 500 nodes from two CLI processes at once without a duplicate name [pglite]', () => concurrentBulkAdds());

  it('adds 2 x 500 nodes from two CLI processes at once without a duplicate name [postgres]', { skip: pgSkip }, async () => {
    const db = await freshPgDatabase({ migrate: false });
    try {
      await concurrentBulkAdds(db.url);
    } finally {
      await db.drop();
    }
  });

  it('refuses a second daemon on the same embedded data dir and leaves the first serving', async () => {
    const d = await spawnDaemon();
    try {
      await cli(d, ['node', 'add', '02:00:00:00:00:01']);
      const second = await daemonFails(['--statedir', d.statedir]);
      assert.equal(second.exitCode, 4);
      assert.match(second.line, /embedded database .*pgdata is in use by process \d+ .*\(DB_LOCKED\)$/);
      const r = await cli(d, ['node', 'list']);
      assert.equal(r.stdout, 'n0000\n');
    } finally {
      await d.stop();
    }
  });

  it('binds the admin API to 0.0.0.0 when asked: one warning, a truthful banner, a connectable daemon.json', async () => {
    const d = await spawnDaemon({ args: ['--api-address', '0.0.0.0'] });
    let ok = false;
    try {
      assert.match(d.info.api, /^http:\/\/127\.0\.0\.1:\d+$/);
      const port = new URL(d.info.api).port;
      assert.equal(d.info.bound?.api, `0.0.0.0:${port}`);
      const r = await cli(d, ['info', 'system']);
      assert.equal(r.exitCode, 0, r.stderr);
      ok = true;
    } finally {
      await d.stop();
    }
    const out = await d.proc;
    const port = new URL(d.info.api).port;
    assert.ok(ok);
    assert.match(
      String(out.stdout),
      new RegExp(
        `^muster daemon: admin API http://127\\.0\\.0\\.1:${port}/api/v1 \\(bound to 0\\.0\\.0\\.0:${port}\\), node HTTP http://127\\.0\\.0\\.1:\\d+ \\(bound to 0\\.0\\.0\\.0:\\d+\\),`,
        'm',
      ),
    );
    const warnings = String(out.stderr)
      .split('\n')
      .filter((l) => /admin API listens on/.test(l));
    assert.equal(warnings.length, 1, String(out.stderr));
    assert.match(warnings[0]!, new RegExp(`admin API listens on 0\\.0\\.0\\.0:${port}, not only on loopback: its bearer token travels in plain HTTP`));
  });

  it("registers its jobs' owner under the configured host id (reapers match on it)", async () => {
    const pg = await freshPgDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'muster-conf-'));
    await writeFile(join(dir, 'muster.conf'), 'host id = rack7-head\n');
    const d = await spawnDaemon({ databaseUrl: pg.url, args: ['--config', join(dir, 'muster.conf')] });
    try {
      const { default: pgLib } = await import('pg');
      const c = new pgLib.Client({ connectionString: pg.url });
      await c.connect();
      const { rows } = await c.query<{ host: string }>('SELECT host FROM job_owners');
      await c.end();
      assert.deepEqual(
        rows.map((r) => r.host),
        ['rack7-head'],
      );
    } finally {
      await d.stop();
      await pg.drop();
    }
  });

  it('names an unreachable database without its password', async () => {
    const statedir = await mkdtemp(join(tmpdir(), 'muster-d-'));
    const r = await daemonFails(['--statedir', statedir], { DATABASE_URL: 'postgres://muster:s3cret@127.0.0.1:9/muster' });
    assert.equal(r.exitCode, 1);
    assert.match(r.line, /^muster: cannot connect to database postgres:\/\/muster:\*\*\*@127\.0\.0\.1:9\/muster: .*\(DB_UNREACHABLE\)$/);
    assert.doesNotMatch(r.line, /s3cret/);
  });

  it('refuses a config file with a bad value, naming file, line and key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'muster-conf-'));
    await writeFile(join(dir, 'muster.conf'), `# test\nstatedir = ${dir}/state\nhttp port = eighty\n`);
    const r = await daemonFails(['--config', join(dir, 'muster.conf')]);
    assert.equal(r.exitCode, 2);
    assert.match(r.line, /muster\.conf:3: key 'http port': 'eighty' is not a port .*\(CONFIG_INVALID\)$/);
  });

  it('refuses an unknown config key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'muster-conf-'));
    await writeFile(join(dir, 'muster.conf'), `htp port = 80\n`);
    const r = await daemonFails(['--config', join(dir, 'muster.conf')]);
    assert.equal(r.exitCode, 2);
    assert.match(r.line, /muster\.conf:1: unknown key 'htp port'.*\(CONFIG_INVALID\)$/);
  });

  it('reads an existing perceus.conf + defaults.conf as is', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'muster-perceus-'));
    await writeFile(join(dir, 'perceus.conf'), 'master network device = lo\nvnfs transfer method = nfs\ndatabase type = btree\n');
    await writeFile(join(dir, 'defaults.conf'), 'Node Name = c###\nFirst Node = 1\nGroup Name = hpc\n');
    const d = await spawnDaemon({ args: ['--perceus-config', dir] });
    try {
      const r = await cli(d, ['node', 'add', '02:00:00:00:00:01']);
      assert.match(r.stdout, /Node 'c001' has been added/);
      assert.equal((await cli(d, ['info', 'config', 'vnfs', 'transfer', 'method'])).stdout, 'nfs\n');
      assert.match((await cli(d, ['node', 'summary'])).stdout, /c001 +hpc/);
    } finally {
      await d.stop();
    }
  });
});
