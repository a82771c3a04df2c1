import assert from 'node:assert/strict';
import { it } from 'node:test';
import { dataPadding, encodeHeader, encodeTrailer, splitDev } from '../../src/images/newc.js';

const H = { ino: 1, mode: 0o100644, uid: 0, gid: 0, nlink: 1, mtime: 0x5f5e1000, size: 5, rdevMajor: 0, rdevMinor: 0 };

it('a header is magic, thirteen 8-digit hex fields, the name, a NUL, padding to 4 bytes', () => {
  const b = encodeHeader('etc', H);
  assert.equal(b.length, 116); // 110 + "etc\0" = 114, padded to 116
  assert.equal(
    b.toString('latin1'),
    '070701' +
      '00000001' +
      '000081a4' +
      '00000000' +
      '00000000' +
      '00000001' +
      '5f5e1000' +
      '00000005' +
      '00000000'.repeat(4) +
      '00000004' +
      '00000000' +
      'etc\0' +
      '\0\0',
  );
  assert.equal(dataPadding(5).length, 3);
  assert.equal(dataPadding(8).length, 0);
  // 110 + 'TRAILER!!!\0' = 121, padded to 124.
  assert.match(encodeTrailer().toString('latin1'), /^070701.{88}0000000b00000000TRAILER!!!\0{4}$/);
  assert.equal(encodeTrailer().length, 124);
});

it('refuses what newc cannot carry, naming it', () => {
  assert.throws(() => encodeHeader('a\0b', H), /holds a NUL byte/);
  assert.throws(() => encodeHeader('big', { ...H, size: 2 ** 32 }), /size 4294967296 does not fit/);
  assert.throws(() => encodeHeader('neg', { ...H, uid: -1 }), /uid -1 does not fit/);
});

it('splits a dev_t as glibc does, large majors and minors included', () => {
  assert.deepEqual(splitDev(0x0103), { major: 1, minor: 3 });
  // makedev(259, 70000): minor's high bits sit above the major's low 12.
  const dev = Number(BigInt(70000 & 0xff) | (BigInt(259 & 0xfff) << 8n) | (BigInt(70000 & ~0xff) << 12n));
  assert.deepEqual(splitDev(dev), { major: 259, minor: 70000 });
});
