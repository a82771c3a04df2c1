import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_EXPAND_LIMIT, expand, expandAll } from '../../src/hostlist/index.js';

const seq = (prefix: string, from: number, to: number, width = 0): string[] =>
  Array.from({ length: to - from + 1 }, (_, k) => prefix + String(from + k).padStart(width, '0'));

describe('expand: named cases', () => {
  const cases: [name: string, pattern: string, names: string[]][] = [
    ['plain name', 'n0001', ['n0001']],
    ['zero-padded range', 'n00[00-63]', seq('n00', 0, 63, 2)],
    ['padding from the bounds: [00-10]', 'n[00-10]', seq('n', 0, 10, 2)],
    ['no padding: [0-10]', 'n[0-10]', seq('n', 0, 10)],
    ['unpadded across widths', 'n[9-11]', ['n9', 'n10', 'n11']],
    ['padded across a power of ten', 'n[099-101]', ['n099', 'n100', 'n101']],
    ['comma list in brackets', 'n00[00-09,20,30-31]', [...seq('n00', 0, 9, 2), 'n0020', 'n0030', 'n0031']],
    ['items keep the order written', 'n[3,1,2]', ['n3', 'n1', 'n2']],
    ['overlapping items give each name once', 'n[1-3,2-4]', ['n1', 'n2', 'n3', 'n4']],
    ['mixed widths in one group', 'n[01,2,003]', ['n01', 'n2', 'n003']],
    ['single padded number', 'n[007]', ['n007']],
    ['single zero', 'n[0]', ['n0']],
    ['padded zero', 'n[00]', ['n00']],
    ['degenerate range', 'n[4-4]', ['n4']],
    ['step', 'n[01-10/3]', ['n01', 'n04', 'n07', 'n10']],
    ['step that misses the end', 'n[1-10/4]', ['n1', 'n5', 'n9']],
    ['two groups, left varies slowest', 'rack[1-2]n[01-03]', ['rack1n01', 'rack1n02', 'rack1n03', 'rack2n01', 'rack2n02', 'rack2n03']],
    ['three groups', 'r[1-2]c[1-2]n[1-2]', ['r1c1n1', 'r1c1n2', 'r1c2n1', 'r1c2n2', 'r2c1n1', 'r2c1n2', 'r2c2n1', 'r2c2n2']],
    ['group with a suffix', 'n[1-3]-ib', ['n1-ib', 'n2-ib', 'n3-ib']],
    ['group first', '[1-3]x', ['1x', '2x', '3x']],
    ['group alone', '[8-10]', ['8', '9', '10']],
    ['dash between groups', 'n[1-2]-[4-5]', ['n1-4', 'n1-5', 'n2-4', 'n2-5']],
    ['digits before a group of one width', 'x1[5-7,10-12]', ['x15', 'x16', 'x17', 'x110', 'x111', 'x112']],
    ['digits after a group', 'n[8-10]0', ['n80', 'n90', 'n100']],
    ['top-level commas', 'n1,n[3-4]', ['n1', 'n3', 'n4']],
    ['top-level commas drop repeats', 'n[1-2],n[2-3],n1', ['n1', 'n2', 'n3']],
    ['glob characters stay', 'n00[0-1]*', ['n000*', 'n001*']],
    ['question mark stays', 'n0?1', ['n0?1']],
    ['dots and bars are text', 'n.1|x', ['n.1|x']],
    ['large numbers', 'n[9007199254740990-9007199254740991]', ['n9007199254740990', 'n9007199254740991']],
    ['long digit runs outside brackets are text', 'sn123456789012345678901[1-2]', ['sn1234567890123456789011', 'sn1234567890123456789012']],
  ];
  for (const [name, pattern, names] of cases) {
    test(`${name}: ${pattern}`, () => assert.deepEqual(expand(pattern), names));
  }
});

describe('expand: errors', () => {
  const errors: [name: string, pattern: string, message: string][] = [
    ['reversed range', 'n[5-1]', 'invalid pattern "n[5-1]": range "5-1" runs backwards; write the lower bound first: 1-5'],
    ['unclosed bracket', 'n[0-', 'invalid pattern "n[0-": "[" at character 2 is never closed; add the missing "]"'],
    [
      'letters in brackets',
      'n[a-z]',
      'invalid pattern "n[a-z]": "a-z" is not a number or range; brackets take numbers N, ranges N-M or stepped ranges N-M/STEP, such as [01-08,12]',
    ],
    ['empty brackets', 'n[]', 'invalid pattern "n[]": empty brackets "[]"; put numbers or ranges inside, such as [1-4,7]'],
    [
      'nested brackets',
      'n[[1-2]]',
      'invalid pattern "n[[1-2]]": "[" at character 3 is nested inside the group opened at character 2; brackets cannot nest; write separate groups such as rack[1-2]n[1-4]',
    ],
    ['stray closing bracket', 'n]', 'invalid pattern "n]": "]" at character 2 has no matching "["; remove it or add the missing "["'],
    ['stray bracket after a group', 'n[1]]', 'invalid pattern "n[1]]": "]" at character 5 has no matching "["; remove it or add the missing "["'],
    [
      'padding mismatch',
      'n[1-010]',
      'invalid pattern "n[1-010]": the bounds of "1-010" have different zero-padded widths; write both with the same number of digits, such as 001-010 (or 1-10 without padding)',
    ],
    [
      'padding mismatch, padded start',
      'n[01-3]',
      'invalid pattern "n[01-3]": the bounds of "01-3" have different zero-padded widths; write both with the same number of digits, such as 01-03 (or 1-3 without padding)',
    ],
    [
      'zero end of another width',
      'n[0-00]',
      'invalid pattern "n[0-00]": the bounds of "0-00" have different zero-padded widths; write both with the same number of digits, such as 00-00 (or 0-0 without padding)',
    ],
    [
      'adjacent groups',
      'n[1-2][3-4]',
      'invalid pattern "n[1-2][3-4]": bracket group at character 7 follows the previous group with no letter between; put a non-digit between the groups, as in rack[1-2]n[01-04]',
    ],
    [
      'only digits between groups',
      'n[1-2]0[3-4]',
      'invalid pattern "n[1-2]0[3-4]": bracket group at character 8 follows the previous group with no letter between; put a non-digit between the groups, as in rack[1-2]n[01-04]',
    ],
    [
      'digits before a width change',
      'x1[5-12]',
      'invalid pattern "x1[5-12]": digits before the group at character 3 with numbers running from 9 to 10 inside it are ambiguous; split the group where the width changes (n1[5-9],n1[10-12]) or move the digits inside (n[15-19,110-112])',
    ],
    [
      'digits before a width change across items',
      'x0[8-9,10]',
      'invalid pattern "x0[8-9,10]": digits before the group at character 3 with numbers running from 9 to 10 inside it are ambiguous; split the group where the width changes (n1[5-9],n1[10-12]) or move the digits inside (n[15-19,110-112])',
    ],
    ['empty item', 'n[1-2,]', 'invalid pattern "n[1-2,]": empty item in "[1-2,]"; remove the extra comma'],
    [
      'open range',
      'n[1-]',
      'invalid pattern "n[1-]": "1-" is not a number or range; brackets take numbers N, ranges N-M or stepped ranges N-M/STEP, such as [01-08,12]',
    ],
    [
      'negative number',
      'n[-1]',
      'invalid pattern "n[-1]": "-1" is not a number or range; brackets take numbers N, ranges N-M or stepped ranges N-M/STEP, such as [01-08,12]',
    ],
    ['step without range', 'n[5/2]', 'invalid pattern "n[5/2]": step in "5/2" without a range; write a range with the step, such as 1-9/2'],
    ['step zero', 'n[1-5/0]', 'invalid pattern "n[1-5/0]": step 0 in "1-5/0"; use a step of 1 or more'],
    [
      'number too large',
      'n[1-9007199254740992]',
      'invalid pattern "n[1-9007199254740992]": number 9007199254740992 is too large; numbers in brackets go up to 9007199254740991; write longer digit runs outside the brackets',
    ],
    ['empty pattern', '', 'invalid pattern "": it is empty; give a node name or range such as n[01-04]'],
    ['empty name between commas', 'a,,b', 'invalid pattern "a,,b": empty name before character 3; remove the extra comma'],
    ['leading comma', ',a', 'invalid pattern ",a": empty name before character 1; remove the extra comma'],
    ['trailing comma', 'a,', 'invalid pattern "a,": empty name at the end; remove the extra comma'],
    ['whitespace', 'n1 n2', 'invalid pattern "n1 n2": whitespace at character 3; give several patterns as separate arguments or join them with commas'],
    [
      'set operator',
      'n[1-5]!n3',
      'invalid pattern "n[1-5]!n3": "!" at character 7 is a clustershell operator muster does not support; list the wanted names with ranges and commas instead',
    ],
    [
      'group reference',
      '@compute',
      'invalid pattern "@compute": "@" at character 1 is a clustershell operator muster does not support; list the wanted names with ranges and commas instead',
    ],
  ];
  for (const [name, pattern, message] of errors) {
    test(`${name}: ${JSON.stringify(pattern)}`, () => {
      assert.throws(() => expand(pattern), { name: 'MusterError', code: 'PATTERN_INVALID', message });
      assert.ok(!message.includes('\n'), 'one line');
    });
  }
});

describe('expand: the cap', () => {
  test('the default is 1,000,000 names', () => assert.equal(DEFAULT_EXPAND_LIMIT, 1_000_000));

  test('exactly the cap is allowed', () => {
    const names = expand('n[0000000-0999999]');
    assert.equal(names.length, 1_000_000);
    assert.equal(names[999_999], 'n0999999');
  });

  test('one past the cap is refused', () => {
    assert.throws(() => expand('n[0-1000000]'), {
      code: 'PATTERN_TOO_LARGE',
      message: 'pattern "n[0-1000000]" names 1,000,001 nodes, more than the limit of 1,000,000; narrow the ranges or split the work into several patterns',
    });
  });

  test('counted before any name is made: 10^18 names are refused, not built', () => {
    // Building even the first two groups (10^12 strings) would exhaust memory long before a check.
    assert.throws(() => expand('a[1-1000000]b[1-1000000]c[1-1000000]'), {
      code: 'PATTERN_TOO_LARGE',
      message: /names 1,000,000,000,000,000,000 nodes/,
    });
  });

  test('the cap covers all top-level operands together', () => {
    assert.deepEqual(expand('n[1-3],m[1-2]', { limit: 5 }).length, 5);
    assert.throws(() => expand('n[1-3],m[1-3]', { limit: 5 }), { code: 'PATTERN_TOO_LARGE' });
  });

  test('a bad limit is a programming error', () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => expand('n1', { limit }), { name: 'RangeError' }, String(limit));
    }
  });
});

describe('expandAll: one cap for every pattern of a request', () => {
  test('names of several patterns, in order, without repeats', () => {
    assert.deepEqual(expandAll(['n[1-3]', 'n2,m1', 'x*']), ['n1', 'n2', 'n3', 'm1', 'x*']);
    assert.deepEqual(expandAll([]), []);
  });

  test('the total over all patterns is capped, counted before any name is made', () => {
    // 10 patterns of 1,000,000 names each used to be built (115 s, 3 GB) before anything said no.
    const ten = Array.from({ length: 10 }, (_, i) => `r${i}n[1-1000000]`);
    assert.throws(() => expandAll(ten), {
      code: 'PATTERN_TOO_LARGE',
      message:
        '10 patterns name 10,000,000 nodes together, more than the limit of 1,000,000 for one request; narrow the ranges or split the work into several requests',
    });
    assert.equal(expandAll(['a[1-3]', 'b[1-2]'], { limit: 5 }).length, 5);
    assert.throws(() => expandAll(['a[1-3]', 'b[1-3]'], { limit: 5 }), { code: 'PATTERN_TOO_LARGE' });
  });

  test('one pattern past the cap keeps its own message', () => {
    assert.throws(() => expandAll(['n[0-1000000]']), { code: 'PATTERN_TOO_LARGE', message: /^pattern "n\[0-1000000\]" names 1,000,001 nodes/ });
  });
});
