/** requireOrSkip: a skip locally, a failure naming what is missing under CI (helpers/require.ts). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { execa } from 'execa';
import { PACKAGE_ROOT } from '../src/paths.js';

const probe = `import { requireOrSkip } from './test/helpers/require.ts';
console.log(JSON.stringify([requireOrSkip(null), requireOrSkip(false), requireOrSkip('dnsmasq is not installed')]));`;
const run = (env: Record<string, string>) =>
  execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
    cwd: PACKAGE_ROOT,
    env: { CI: '', MUSTER_REQUIRE_PEERS: '', ...env },
    reject: false,
  });

it('skips with the reason when peers are not required', async () => {
  const r = await run({});
  assert.equal(r.exitCode, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [false, false, 'dnsmasq is not installed']);
});

for (const env of [{ CI: 'true' }, { MUSTER_REQUIRE_PEERS: '1' }] as Record<string, string>[]) {
  it(`fails naming what is missing with ${Object.entries(env)[0]!.join('=')}`, async () => {
    const r = await run(env);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /MissingPeerError: required under CI .* but missing: dnsmasq is not installed/);
  });
}
