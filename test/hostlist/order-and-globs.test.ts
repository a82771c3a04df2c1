import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { globToRegExp, HELP, isGlob, naturalCompare, naturalSort } from '../../src/hostlist/index.js';

describe('naturalSort', () => {
  const cases: [name: string, input: string[], sorted: string[]][] = [
    ['numbers by value', ['n10', 'n2', 'n1'], ['n1', 'n2', 'n10']],
    ['several digit runs', ['r2n10', 'r10n1', 'r2n9'], ['r2n9', 'r2n10', 'r10n1']],
    ['equal values: code unit order breaks the tie', ['n1', 'n001', 'n01'], ['n001', 'n01', 'n1']],
    ['byte order outside digits, no locale', ['b', 'B', 'a', '_', 'A'], ['A', 'B', '_', 'a', 'b']],
    ['prefix first', ['n1a', 'n1', 'n'], ['n', 'n1', 'n1a']],
    ['digits before letters', ['na', 'n1'], ['n1', 'na']],
    [
      'numbers longer than a double holds',
      ['n100000000000000000001', 'n100000000000000000000', 'n99'],
      ['n99', 'n100000000000000000000', 'n100000000000000000001'],
    ],
    ['repeats stay', ['n2', 'n1', 'n2'], ['n1', 'n2', 'n2']],
  ];
  for (const [name, input, sorted] of cases) {
    test(name, () => {
      const before = [...input];
      assert.deepEqual(naturalSort(input), sorted);
      assert.deepEqual(input, before, 'the input is left alone');
    });
  }

  test('naturalCompare is 0 only for equal strings and is antisymmetric', () => {
    const names = ['n1', 'n01', 'n10', 'n1a', 'n', 'm2', 'n001', 'x9y9', 'x9y10', 'x10y1'];
    for (const a of names) {
      for (const b of names) {
        const ab = Math.sign(naturalCompare(a, b));
        assert.equal(ab, -Math.sign(naturalCompare(b, a)) || 0, `${a} ${b}`);
        assert.equal(ab === 0, a === b, `${a} ${b}`);
      }
    }
  });
});

describe('globs', () => {
  test('isGlob sees * and ? only', () => {
    assert.deepEqual(['n00*', 'n0?1', 'n[1-2]', 'n.1', 'n|m', 'n1'].map(isGlob), [true, true, false, false, false, false]);
  });

  const cases: [glob: string, matches: string[], misses: string[]][] = [
    ['n00*', ['n00', 'n0001', 'n00-ib'], ['n01', 'xn00']],
    ['n0?1', ['n001', 'n0a1'], ['n01', 'n0001']],
    ['n0.1', ['n0.1'], ['n001', 'n0x1']], // Perceus let . match anything
    ['n1|n2', ['n1|n2'], ['n1', 'n2']], // Perceus made | an alternation
    ['a+b(c)^$\\{1}', ['a+b(c)^$\\{1}'], ['aab(c)']],
    ['n[1]', ['n[1]'], ['n1']],
    ['*', ['', 'anything'], []],
    ['?', ['x', 'é'], ['', 'xy']],
  ];
  for (const [glob, matches, misses] of cases) {
    test(`globToRegExp(${JSON.stringify(glob)})`, () => {
      const re = globToRegExp(glob);
      for (const m of matches) assert.ok(re.test(m), `${glob} should match ${m}`);
      for (const m of misses) assert.ok(!re.test(m), `${glob} should not match ${m}`);
    });
  }
});

describe('HELP', () => {
  test('describes every form of the syntax', () => {
    for (const form of ['n00[00-63]', '[0-10]', ',', '/2', 'rack[1-4]n[01-32]', '*', '?', 'n00[0-1]*', '1,000,000']) {
      assert.ok(HELP.includes(form), form);
    }
  });
});
