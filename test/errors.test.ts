import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { ERROR_CODES, MusterError } from '../src/errors.js';

it('docs/errors.md lists every error code with its class, and no stale one', async () => {
  const doc = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| ([A-Z][A-Z0-9_]+) \| (\w+) \|/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(Object.fromEntries(rows), { ...ERROR_CODES });
});

it('maps classes to HTTP status and exit code', () => {
  const e = new MusterError('NODE_NOT_FOUND', 'x');
  assert.equal(e.httpStatus, 404);
  assert.equal(e.exitCode, 3);
  assert.equal(new MusterError('NAME_TAKEN', 'x').exitCode, 4);
  assert.equal(new MusterError('MAC_INVALID', 'x').exitCode, 2);
});
