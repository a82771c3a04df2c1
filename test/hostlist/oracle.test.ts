/**
 * clustershell's `nodeset` (Debian package clustershell) as the oracle for expand and compress.
 * To keep it to a few processes, the patterns of one run go to one `nodeset` call: each
 * operand gets a tag prefix `T<i>_` so the union it prints can be split back per pattern.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { compressList, expand, naturalSort } from '../../src/hostlist/index.js';
import { patternGenerator } from './random-patterns.js';
import { requireOrSkip } from '../helpers/require.js';

const PATTERNS = 600;

const nodesetMissing = requireOrSkip(
  (await execa('nodeset', ['--version'], { reject: false })).exitCode !== 0 && 'nodeset not found or not working: install the Debian package clustershell',
);

async function nodeset(args: string[], input?: string): Promise<string[]> {
  const r = await execa('nodeset', args, { input, reject: false });
  // The command line is long; name only nodeset's own complaint.
  assert.equal(r.exitCode, 0, `nodeset ${args[0]} failed: ${r.stderr}`);
  return r.stdout.split(/\s+/).filter((s) => s !== '');
}

/** Splits tagged names back into one sorted list per tag. */
function untag(names: string[], count: number): string[][] {
  const out: string[][] = Array.from({ length: count }, () => []);
  for (const name of names) {
    const m = /^T(\d+)_(.*)$/s.exec(name);
    assert.ok(m, `untagged name from nodeset: ${name}`);
    out[Number(m[1])]!.push(m[2]!);
  }
  return out.map(naturalSort);
}

const tagAll = (i: number, operands: string[]): string[] => operands.map((o) => `T${i}_${o}`);

describe('clustershell nodeset oracle', { skip: nodesetMissing }, () => {
  const gen = patternGenerator(20240611);
  const cases = Array.from({ length: PATTERNS }, () => gen.operands());
  const ours = cases.map((ops) => expand(ops.join(',')));
  // Folding is tested on random parts of the expansions too, not only on full rectangles.
  const samples = ours.map((names, i) => (i % 2 === 0 ? names : gen.subset(names, 0.6)));
  let oracle: string[][] = [];

  before(async () => {
    oracle = untag(await nodeset(['-e', ...cases.flatMap((ops, i) => tagAll(i, ops))]), PATTERNS);
  });

  test(`expand gives the names nodeset -e gives, for ${PATTERNS} random patterns`, () => {
    let names = 0;
    cases.forEach((ops, i) => {
      const got = ours[i]!;
      assert.equal(new Set(got).size, got.length, `repeats in expand(${ops.join(',')})`);
      assert.deepEqual(naturalSort(got), oracle[i], `pattern ${ops.join(',')}`);
      names += got.length;
    });
    assert.ok(names > 10_000, `the patterns should cover many names, got ${names}`);
  });

  test('nodeset -e of what compress folds gives back the same names', async () => {
    const folded = samples.map((names) => compressList(names));
    const back = untag(await nodeset(['-e', ...folded.flatMap((f, i) => tagAll(i, f))]), PATTERNS);
    samples.forEach((names, i) => {
      assert.deepEqual(back[i], naturalSort(names), `folded ${folded[i]!.join(',')}`);
      if (names.length === 0) assert.deepEqual(folded[i], []);
      else assert.deepEqual(naturalSort(expand(folded[i]!.join(','))), naturalSort(names), 'round trip through expand');
    });
  });

  test("expand reads nodeset -f's folding of the samples back to the same names", async () => {
    // nodeset -f is slow on large inputs (seconds per 100k names): every third sample is enough.
    const all = samples.flatMap((names, i) => (i % 3 === 0 ? names.map((n) => `T${i}_${n}`) : []));
    // nodeset drops the last character of stdin, taking it for a newline: end with one.
    const [foldedByNodeset] = await nodeset(['-f'], `${all.join('\n')}\n`);
    assert.ok(foldedByNodeset);
    assert.deepEqual(naturalSort(expand(foldedByNodeset)), naturalSort(all));
  });

  test('nodeset also rejects the patterns expand rejects (where the two agree)', async () => {
    const agreed = [
      'n[5-1]',
      'n[0-',
      'n[a-z]',
      'n[]',
      'n[[1-2]]',
      'n]',
      'n[1-010]',
      'n[01-3]',
      'n[1-2][3-4]',
      'a,,b',
      ',a',
      'n[1-2,]',
      'n[5/2]',
      'n[1-5/0]',
      'n[1-]',
    ];
    for (const p of agreed) {
      assert.throws(() => expand(p), { code: 'PATTERN_INVALID' }, p);
      const r = await execa('nodeset', ['-e', p], { reject: false });
      assert.notEqual(r.exitCode, 0, `nodeset accepted ${p}: ${r.stdout}`);
    }
  });

  test('where muster and nodeset part ways on purpose, nodeset does what the tests say', async () => {
    // muster refuses these; nodeset reads them as shown, which is why they are refused.
    const refused: [string, string][] = [
      ['x1[5-12]', 'x15 x16 x17 x18 x19 x20'], // digits glued on: 15..112, not x15..x19,x110..x112
      ['n[0-00]', 'n0'],
      ['n[-1]', 'n-1'],
      ['n[1-3]!n2', 'n1 n3'],
    ];
    for (const [p, start] of refused) {
      assert.throws(() => expand(p), { code: 'PATTERN_INVALID' }, p);
      assert.ok((await nodeset(['-e', p])).join(' ').startsWith(start), p);
    }
    // muster reads digits after a stepped group as text; nodeset refuses them.
    assert.deepEqual(expand('n[1-5/2]0'), ['n10', 'n30', 'n50']);
    const r = await execa('nodeset', ['-e', 'n[1-5/2]0'], { reject: false });
    assert.match(r.stderr, /illegal trailing digits after range with steps/);
  });
});
