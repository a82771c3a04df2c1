import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { printable, storable } from '../src/text.js';

describe('storable', () => {
  it('replaces NUL, C0/C1 controls and DEL, keeps tab, newline and CR', () => {
    assert.equal(storable('a\u0000b\u0007c\u001bd\u007fe\u0085f'), 'a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf');
    assert.equal(storable('line 1\n\tline 2\r\n'), 'line 1\n\tline 2\r\n');
  });

  it('replaces lone surrogates (invalid UTF-8) and keeps pairs', () => {
    assert.equal(storable('x\ud800y\udc00z'), 'x\ufffdy\ufffdz');
    assert.equal(storable('emoji \ud83d\ude00'), 'emoji \ud83d\ude00');
    assert.equal(Buffer.from(storable('\udfff\ud800'), 'utf8').toString('utf8'), '\ufffd\ufffd');
  });

  it('cuts to max, without leaving half a surrogate pair', () => {
    assert.equal(storable('abcdef', 3), 'abc');
    assert.equal(storable('ab\ud83d\ude00', 3), 'ab\ufffd');
    assert.equal(storable('y'.repeat(10_000)).length, 4096);
  });

  it('leaves ordinary text (latin1 bytes of a DHCP option included) as it is', () => {
    assert.equal(storable('n0001.cluster-é'), 'n0001.cluster-é');
    assert.equal(printable('a\u0000b'), 'a?b');
  });
});
