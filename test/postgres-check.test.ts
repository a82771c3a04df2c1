/**
 * The test Postgres check (helpers/db.ts): it tells "auth failed" from "unreachable", and under
 * CI a suite on both backends fails naming which, instead of running on PGlite alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { PACKAGE_ROOT } from '../src/paths.js';
import { freePort, privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from './helpers/private-pg.js';
import { requireOrSkip } from './helpers/require.js';

const probe = `import { describeEachBackend, postgresUnavailable } from './test/helpers/db.ts';
console.log(JSON.stringify(await postgresUnavailable()));
await describeEachBackend('probe', () => undefined);`;
const run = (url: string, env: Record<string, string> = {}) =>
  execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
    cwd: PACKAGE_ROOT,
    env: { CI: '', MUSTER_REQUIRE_PEERS: '', MUSTER_TEST_PG: url, ...env },
    reject: false,
  });

describe('test Postgres check: auth failed vs unreachable', { skip: requireOrSkip(privatePostgresUnavailable()) }, () => {
  let pg: PrivatePostgres;
  let wrong: string;
  before(async () => {
    pg = await startPrivatePostgres({ password: 'right' });
    wrong = pg.url.replace(':right@', ':wrong@');
  });
  after(() => pg?.stop());

  it('the right password: nothing missing', async () => {
    const r = await run(pg.url);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout.split('\n')[0]!), null);
  });

  it('a wrong password or an unknown role is "auth failed", the password not shown', async () => {
    for (const url of [wrong, pg.url.replace('postgres:right@', 'nosuch:right@')]) {
      const r = await run(url);
      assert.equal(r.exitCode, 0, `locally a skip: ${r.stderr}`);
      const why = JSON.parse(r.stdout.split('\n')[0]!) as string;
      assert.match(why, /^postgres auth failed at postgres:\/\/\w+:\*\*\*@127\.0\.0\.1:\d+\/postgres: /);
      assert.doesNotMatch(why, /wrong|right/);
    }
  });

  it('a closed port is "unreachable"', async () => {
    const r = await run(`postgres://postgres@127.0.0.1:${await freePort()}/postgres`);
    assert.match(JSON.parse(r.stdout.split('\n')[0]!) as string, /^postgres unreachable at .*ECONNREFUSED/);
  });

  for (const env of [{ CI: 'true' }, { MUSTER_REQUIRE_PEERS: '1' }] as Record<string, string>[]) {
    it(`with ${Object.entries(env)[0]!.join('=')} a suite on both backends fails naming the cause`, async () => {
      const auth = await run(wrong, env);
      assert.notEqual(auth.exitCode, 0);
      assert.match(auth.stderr, /MissingPeerError: required under CI .* but missing: postgres auth failed at /);
      const down = await run(`postgres://postgres@127.0.0.1:${await freePort()}/postgres`, env);
      assert.notEqual(down.exitCode, 0);
      assert.match(down.stderr, /MissingPeerError: required under CI .* but missing: postgres unreachable at /);
    });
  }
});
