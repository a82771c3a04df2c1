/**
 * Issue 8, defect 19: a nodescript contact records the address it came from as observed; the
 * admin's ipaddr (desired, DHCP's fixed address) stays as set.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { loadClient } from '../../src/boot/dhcp/lease-store.js';
import { statusTable, type ApiNode } from '../../src/cli/format.js';
import { getNodeByMac, setNodes } from '../../src/nodes/index.js';
import { describeEachBackend } from '../helpers/db.js';
import { fixture, writeModule, type Fixture } from '../nodescripts/fixture.js';

const MAC = '02:00:00:00:07:01';

await describeEachBackend('desired ipaddr and observed address', (kind) => {
  let f: Fixture;
  before(async () => {
    f = await fixture(kind);
    await writeModule(f.statedir, 'init/all/10-ip', '#!/bin/sh\necho "echo IPADDR=$IPADDR"\n');
  });
  after(() => f.cleanup());

  it('set ipaddr, contact from another address: ipaddr and the DHCP fixed address stay, observed is recorded', async () => {
    assert.equal((await f.service.provide({ state: 'init', mac: MAC, ip: '10.9.0.1', proto: '987' })).ok, true);
    await setNodes(f.db, [MAC], 'ipaddr', '10.50.0.100');
    const r = await f.service.provide({ state: 'init', mac: MAC, ip: '::ffff:10.9.0.2', proto: 'http' });
    assert.equal(r.ok, true, r.reason);
    assert.match(r.script.toString(), /^echo IPADDR=10\.9\.0\.2$/m, "a module's IPADDR is the requesting peer");
    const node = await getNodeByMac(f.db, MAC);
    assert.equal(node?.ipaddr, '10.50.0.100');
    assert.equal(node?.observedIpaddr, '10.9.0.2');
    assert.ok(node?.observedAt && node.lastcontact && node.observedAt.getTime() === node.lastcontact.getTime());
    const dhcp = await loadClient(f.db, MAC, () => []);
    assert.equal(dhcp.view.reservation, '10.50.0.100');
  });

  it('a contact without a peer address keeps the last observed one', async () => {
    const before = await getNodeByMac(f.db, MAC);
    assert.equal((await f.service.provide({ state: 'ready', mac: MAC, ip: null, proto: 'http' })).ok, true);
    const node = await getNodeByMac(f.db, MAC);
    assert.equal(node?.status, 'ready');
    assert.equal(node?.observedIpaddr, '10.9.0.2');
    assert.equal(node?.observedAt?.getTime(), before?.observedAt?.getTime());
    assert.equal(node?.ipaddr, '10.50.0.100');
  });
});

it('node status shows where a node came from, marked when it is not its set ipaddr', () => {
  const row = (ipaddr: string | null, observedIpaddr: string | null) =>
    statusTable([{ ...API_NODE, ipaddr, observedIpaddr }], 0)[2]!
      .slice(36, 58)
      .trim();
  assert.equal(row(null, null), '(undefined)');
  assert.equal(row('10.50.0.100', null), '10.50.0.100');
  assert.equal(row(null, '10.9.0.2'), '10.9.0.2');
  assert.equal(row('10.9.0.2', '10.9.0.2'), '10.9.0.2');
  assert.equal(row('10.50.0.100', '10.9.0.2'), '10.9.0.2!');
});

const API_NODE: ApiNode = {
  mac: MAC,
  name: 'n0000',
  group: 'cluster',
  vnfs: '',
  enabled: true,
  debug: 0,
  desc: '',
  bootenv: 'discovery',
  status: 'init',
  ipaddr: null,
  observedIpaddr: null,
  observedAt: null,
  lastcontact: null,
  timedOutAt: null,
  lastExit: null,
  lastReport: null,
  vnfsBoot: null,
  vnfsBooted: null,
  createdAt: '2024-01-01T00:00:00Z',
  updatedAt: '2024-01-01T00:00:00Z',
};
