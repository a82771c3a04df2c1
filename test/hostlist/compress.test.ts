import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compress, compressList, expand, naturalSort } from '../../src/hostlist/index.js';

describe('compress: named cases', () => {
  const cases: [name: string, names: string[], folded: string][] = [
    ['nothing', [], ''],
    ['one name', ['n0001'], 'n0001'],
    ['Perceus-style block', expand('n[0000-0063]'), 'n00[00-63]'],
    ['common leading digits move out', expand('n[0000-0009]'), 'n000[0-9]'],
    ['unpadded across widths', ['n9', 'n10', 'n11'], 'n[9-11]'],
    ['padded across a power of ten', ['n099', 'n100', 'n101'], 'n[099-101]'],
    ['padded and unpadded of one width join', ['n08', 'n09', 'n10', 'n11'], 'n[08-11]'],
    ['an unpadded number beside a padded run', ['n8', 'n09', 'n10'], 'n[8,09-10]'],
    ['n1 and n01 are different names', ['n1', 'n01', 'n2', 'n02'], 'n[01-02,1-2]'],
    ['gaps become comma lists', ['n1', 'n2', 'n3', 'n5', 'n7', 'n8'], 'n[1-3,5,7-8]'],
    ['input order and repeats do not matter', ['n3', 'n1', 'n2', 'n1', 'n3'], 'n[1-3]'],
    ['two dimensions fold into a grid', expand('rack[1-4]n[01-32]'), 'rack[1-4]n[01-32]'],
    ['a ragged grid folds row by row', ['r1n1', 'r1n2', 'r2n1', 'r2n2', 'r3n1'], 'r[1-2]n[1-2],r3n1'],
    ['suffixes are kept', expand('n[1-4]-ib'), 'n[1-4]-ib'],
    ['names without digits stay as they are', ['login', 'head', 'n1'], 'head,login,n1'],
    ['different shapes fold apart', ['n1', 'n2', 'n1-ib', 'n2-ib', 'gpu1'], 'gpu1,n[1-2],n[1-2]-ib'],
    ['results sort by their first name', ['n10', 'n11', 'n2', 'm5'], 'm5,n[2,10-11]'],
    [
      'digit runs past 15 digits are text, not folded',
      ['sn1234567890123456789011', 'sn1234567890123456789012'],
      'sn1234567890123456789011,sn1234567890123456789012',
    ],
    ['dots stay text', ['n0.1', 'n0.2'], 'n0.[1-2]'],
  ];
  for (const [name, names, folded] of cases) {
    test(name, () => {
      assert.equal(compress(names), folded);
      if (names.length > 0) assert.deepEqual(naturalSort(expand(folded)), naturalSort([...new Set(names)]));
    });
  }

  test('compressList gives the parts compress joins', () => {
    assert.deepEqual(compressList(['b1', 'b2', 'a7', 'c']), ['a7', 'b[1-2]', 'c']);
  });
});

describe('compress: names that cannot be folded', () => {
  for (const bad of ['', 'n 1', 'n[1]', 'a,b', 'n]', 'x!y', '@g']) {
    test(JSON.stringify(bad), () => {
      assert.throws(() => compress(['n1', bad]), {
        code: 'NAME_INVALID',
        message: `cannot fold node name ${JSON.stringify(bad)} into a pattern; names to fold may not be empty or contain whitespace, brackets, commas or any of !&^@`,
      });
    });
  }
});

describe('compress: round trips', () => {
  test('every subset of a 2x12 grid with mixed padding round-trips', () => {
    // 4096 subsets of one row keep it exhaustive but quick; the second row adds a dimension.
    const row = ['7', '8', '9', '10', '11', '08', '09', '010', '011', '099', '100', '0100'];
    for (let mask = 1; mask < 1 << row.length; mask++) {
      const names = row.filter((_, k) => mask & (1 << k)).flatMap((v) => [`r1n${v}`, `r2n${v}`]);
      const folded = compress(names);
      assert.deepEqual(naturalSort(expand(folded)), naturalSort(names), folded);
    }
  });
});
