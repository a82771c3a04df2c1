import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { cli, MUSTER_BIN } from '../helpers/daemon.js';
import { seededDaemon } from './seeded-daemon.js';

const REGISTERED = 100_000;

// The CLI sent selections in a GET query string, which failed with HTTP 431 at ~1,200 names or
// ~540 NodeIDs (issue 9 defect 2): it now POSTs them (POST /nodes/select).
describe('node selections of any size from the CLI, against a real daemon holding 100,000 nodes', () => {
  const f = seededDaemon(REGISTERED);

  it('takes 100,000 names through xargs: every invocation succeeds (a GET query string failed with 431)', async () => {
    const names = Array.from({ length: REGISTERED }, (_, i) => `n${String(i).padStart(4, '0')}`);
    // xargs passes at most 128 KiB per command line: ~18,000 names, so several invocations.
    const r = await execa('xargs', [MUSTER_BIN, 'node', 'list'], { env: f.d.env, extendEnv: true, input: names.join('\n'), reject: false });
    assert.equal(r.exitCode, 0, String(r.stderr).slice(0, 500));
    assert.equal(r.stderr, '');
    const out = String(r.stdout).split('\n').filter(Boolean);
    assert.equal(out.length, REGISTERED);
    assert.deepEqual(new Set(out), new Set(names));
  });

  it('takes 5,000 NodeIDs with -i in one command (a query string failed at ~540)', async () => {
    const r = await cli(f.d, ['-i', 'node', 'list', ...f.macs.slice(0, 5000)]);
    assert.equal(r.exitCode, 0, r.stderr.slice(0, 500));
    assert.equal(r.stdout.split('\n').filter(Boolean).length, 5000);
  });

  it('refuses more than 100,000 patterns in one command with one clear line', async () => {
    const r = await cli(f.d, ['node', 'list', ...Array.from({ length: 100_001 }, () => 'n0001')]);
    assert.equal(r.exitCode, 2, r.stderr.slice(0, 500));
    assert.equal(r.stderr, 'muster: body.patterns: more than 100,000 patterns in one request: split the list (xargs -n 100000) (REQUEST_INVALID)\n');
  });
});
