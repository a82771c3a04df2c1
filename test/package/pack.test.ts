/**
 * What `npm pack` ships: the LICENSE package.json declares, every docs/ file the sources cite,
 * the embedded database's template, and no source maps (they would point at unshipped sources).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { PACKAGE_ROOT } from '../../src/paths.js';

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await sourceFiles(join(dir, e.name))));
    else if (e.name.endsWith('.ts')) out.push(join(dir, e.name));
  }
  return out;
}

const packed = async (): Promise<Set<string>> => {
  const r = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PACKAGE_ROOT });
  const [info] = JSON.parse(r.stdout) as Array<{ name: string; files: Array<{ path: string }> }>;
  assert.equal(info!.name, 'muster-provision');
  return new Set(info!.files.map((f) => f.path));
};

test('the package ships LICENSE, the cited docs and the database template, and no source maps', async () => {
  const files = await packed();
  assert.ok(files.has('LICENSE'), 'LICENSE');
  assert.match(await readFile(join(PACKAGE_ROOT, 'LICENSE'), 'utf8'), /GNU GENERAL PUBLIC LICENSE\s+Version 2, June 1991/);
  const cited = new Set<string>();
  for (const f of await sourceFiles(join(PACKAGE_ROOT, 'src'))) {
    for (const m of (await readFile(f, 'utf8')).matchAll(/\bdocs\/[\w.-]*\w/g)) cited.add(m[0]);
  }
  assert.ok(cited.size > 0, 'the sources cite docs/ files');
  for (const doc of [...cited, 'docs/systemd.md']) assert.ok(files.has(doc), `${doc} is cited but not in the package`);
  assert.deepEqual(
    [...files].filter((f) => f.endsWith('.js.map')),
    [],
  );
  assert.ok(files.has('dist/pgdata-template/PG_VERSION'), 'the embedded database template (npm run build)');
  assert.ok(files.has('systemd/muster.service'));
  for (const pm of ['MusterPerceusCompat.pm', 'perceus/Perceus_Include.pm', 'perceus/lib/Perceus/Config.pm']) {
    assert.ok(files.has(`perceus-compat/${pm}`), `the Perceus Perl stand-in: ${pm}`);
  }
});

test('package.json keeps the muster and perceus commands', async () => {
  const pkg = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.deepEqual(pkg.bin, { muster: 'bin/muster', perceus: 'bin/perceus' });
});
