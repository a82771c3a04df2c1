/**
 * A DHCP port another socket holds stops the server with DHCP_LISTEN_FAILED naming the port's
 * setting (src/listen-error.ts, the message every listener uses).
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startDhcpServer } from '../../../src/boot/dhcp/index.js';
import { freshDb, type TestDb } from '../../helpers/db.js';

describe('dhcp: a port in use', () => {
  let t: TestDb;
  let holder: Socket;
  let held: number;
  before(async () => {
    // Without SO_REUSEADDR, so the server's reuseAddr socket cannot share the port.
    holder = createSocket('udp4');
    await new Promise<void>((r) => holder.bind(0, '127.0.0.1', () => r()));
    held = holder.address().port;
    t = await freshDb('pglite');
  });
  after(async () => {
    holder?.close();
    await t?.cleanup();
  });

  const base = () => ({ db: t.db, host: '127.0.0.1', watchForeign: false, serverAddress: '127.0.0.1', log: pino({ level: 'silent' }) });

  it("names 'dhcp port' when the DHCP port is taken", async () => {
    await assert.rejects(startDhcpServer({ ...base(), mode: 'full', port: held, subnets: [{ cidr: '127.0.0.0/24', ranges: ['127.0.0.10-127.0.0.20'] }] }), {
      code: 'DHCP_LISTEN_FAILED',
      message: `DHCP: 127.0.0.1:${held} is in use (set 'dhcp port' in muster.conf, or stop the server that holds it)`,
    });
  });

  it("names 'dhcp proxy port' when the proxyDHCP port is taken", async () => {
    await assert.rejects(startDhcpServer({ ...base(), mode: 'proxy', port: 0, proxyPort: held }), {
      code: 'DHCP_LISTEN_FAILED',
      message: `PXE (proxyDHCP): 127.0.0.1:${held} is in use (set 'dhcp proxy port' in muster.conf, or stop the server that holds it)`,
    });
  });
});
