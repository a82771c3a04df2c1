/** The shipped unit passes `systemd-analyze verify` (unknown keys and bad values are warnings on stderr). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { PACKAGE_ROOT } from '../../src/paths.js';

const analyze = await execa('systemd-analyze', ['--version'], { reject: false });
const skip = analyze.exitCode === 0 ? false : 'systemd-analyze is not installed (apt-get install systemd)';
if (skip && process.env.CI) throw new Error(`systemd unit test cannot run under CI: ${skip}`);

test('systemd/muster.service verifies cleanly', { skip }, async () => {
  const unit = await readFile(join(PACKAGE_ROOT, 'systemd', 'muster.service'), 'utf8');
  assert.match(unit, /^KillMode=control-group$/m);
  assert.match(unit, /^ExecStartPre=muster daemon --check$/m);
  // verify checks that the commands exist: point them at this checkout's bin/muster.
  const dir = await mkdtemp(join(tmpdir(), 'muster-unit-'));
  try {
    const path = join(dir, 'muster.service');
    await writeFile(path, unit.replace(/^(ExecStart\w*=)muster /gm, `$1${join(PACKAGE_ROOT, 'bin', 'muster')} `));
    const r = await execa('systemd-analyze', ['verify', path], { reject: false });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stderr, '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
