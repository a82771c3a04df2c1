import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOG_MAX, parseWireRequest } from '../../src/nodescripts/wire.js';

describe('parseWireRequest: log', () => {
  it('keeps a 500-character message whole (issue 9 defect 11: it was cut to 60)', () => {
    const head = 'nodeid=00:00:00:00:00:01 disk sda reports reallocated sectors:';
    const message = head + ' 0x1f'.repeat((500 - head.length) / 5) + 'x'.repeat((500 - head.length) % 5);
    assert.equal(message.length, 500);
    const r = parseWireRequest(`log ${message}\n`);
    assert.deepEqual(r, { kind: 'log', message, mac: '00:00:00:00:00:01' });
  });

  it(`cuts a message past ${LOG_MAX} characters, marked, and shows unprintable bytes as '?'`, () => {
    const r = parseWireRequest(`log ${'y'.repeat(LOG_MAX + 50)}\n`);
    assert.equal(r.kind, 'log');
    assert.equal(r.kind === 'log' && r.message, 'y'.repeat(LOG_MAX) + '…');
    const ctl = parseWireRequest('log bell\x07here\n');
    assert.equal(ctl.kind === 'log' && ctl.message, 'bell?here');
  });

  it('refuses a log whose nodeid is not a MAC', () => {
    const r = parseWireRequest('log nodeid=nosuch hello\n');
    assert.equal(r.kind, 'invalid');
  });
});
