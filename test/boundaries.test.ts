/**
 * Domain boundaries: each src/<domain>/ (src/boot/<domain>/ for the boot servers) has an index.ts,
 * and code outside a domain imports it only through that index.ts. Files directly in src/ (errors,
 * log, paths, …) belong to no domain and may be imported from anywhere. The check reads the import
 * specifiers of every src/**\/*.ts (static, `export … from`, dynamic `import()`), so it is exact
 * and cheap; a failure lists each offending import with its file and line.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { PACKAGE_ROOT } from '../src/paths.js';

const SRC = join(PACKAGE_ROOT, 'src');
/** Directories that group domains rather than being one. */
const GROUPS = new Set(['boot']);

/** The domain a path under src/ belongs to ('api', 'boot/dhcp'), or null for src/*.ts. */
function domainOf(rel: string): string | null {
  const parts = rel.split(sep);
  if (parts.length < 2) return null;
  if (GROUPS.has(parts[0]!)) return parts.length < 3 ? null : `${parts[0]}/${parts[1]}`;
  return parts[0]!;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

async function sourceFiles(): Promise<string[]> {
  const entries = await readdir(SRC, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => relative(SRC, join(e.parentPath, e.name)));
}

test('every domain has an index.ts', async () => {
  const domains = new Set((await sourceFiles()).map(domainOf).filter((d): d is string => d !== null));
  const missing = [...domains].filter((d) => !existsSync(join(SRC, d, 'index.ts')));
  assert.deepEqual(missing, [], `domains without index.ts: ${missing.join(', ')}`);
});

test("imports across domains go through the target domain's index.ts", async () => {
  const offending: string[] = [];
  for (const file of await sourceFiles()) {
    const from = domainOf(file);
    const text = await readFile(join(SRC, file), 'utf8');
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1]!;
      if (!spec.startsWith('.')) continue;
      const target = relative(SRC, resolve(SRC, dirname(file), spec)).replace(/\.js$/, '.ts');
      const to = domainOf(target);
      if (to === null || to === from) continue;
      if (target === join(to, 'index.ts')) continue;
      const line = text.slice(0, m.index).split('\n').length;
      offending.push(`src/${file}:${line} imports ${spec} (use ${to}/index.ts)`);
    }
  }
  assert.deepEqual(offending, [], `cross-domain imports that bypass an index.ts:\n${offending.join('\n')}`);
});
