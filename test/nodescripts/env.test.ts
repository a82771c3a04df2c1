import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { moduleEnv, perceusField } from '../../src/nodescripts/env.js';
import { PERCEUS_COMPAT_DIR } from '../../src/nodescripts/perceus-compat.js';
import { makeNode } from '../helpers/node.js';

const NODE = makeNode({ mac: '02:00:00:00:00:0a', name: 'n0010', enabled: false, createdAt: new Date(0), updatedAt: new Date(0) });
const VNFS = { vnfsMethod: 'nfs', vnfsMaster: '10.0.0.1', vnfsPrefix: '' };

describe("module environment: Perceus's database values", () => {
  it('a Perl-false value (unset, "", "0", 0, false) is ""; anything else is kept, "00" and "0.0" too', () => {
    for (const v of ['', '0', 0, false]) assert.equal(perceusField(v), '', JSON.stringify(v));
    for (const [v, want] of [
      [true, '1'],
      [1, '1'],
      [2, '2'],
      ['00', '00'],
      ['0.0', '0.0'],
      [' 0', ' 0'],
      ['n0000', 'n0000'],
    ] as const) {
      assert.equal(perceusField(v), want, JSON.stringify(v));
    }
  });

  it('a disabled debug-0 node without a VNFS gets ENABLED="", DEBUG="", VNFS="" (issue 9 defect 12: they were "0")', () => {
    assert.deepEqual(moduleEnv({ state: 'ready', node: NODE, ipaddr: '::ffff:10.0.0.9', statedir: '/var/lib/muster', vnfs: VNFS }), {
      PATH: '/bin:/usr/bin:/sbin:/usr/sbin',
      STATE: 'ready',
      NODENAME: 'n0010',
      VNFS: '',
      ENABLED: '',
      DEBUG: '',
      GROUPNAME: 'cluster',
      NODEID: '02:00:00:00:00:0A',
      IPADDR: '10.0.0.9',
      STATEDIR: '/var/lib/muster/',
      VNFSMETHOD: 'nfs',
      VNFSMASTER: '10.0.0.1',
      VNFSPREFIX: '',
      PERL5LIB: PERCEUS_COMPAT_DIR,
      PERL5OPT: '-MMusterPerceusCompat',
    });
  });

  it('an enabled debug-3 node in group "0" gets ENABLED=1, DEBUG=3 and GROUPNAME="" as from Perceus', () => {
    const env = moduleEnv({ state: 'init', node: { ...NODE, enabled: true, debug: 3, group: '0', vnfs: 'centos' }, ipaddr: null, statedir: '/s/', vnfs: VNFS });
    assert.deepEqual([env.ENABLED, env.DEBUG, env.GROUPNAME, env.VNFS, env.IPADDR, env.STATEDIR], ['1', '3', '', 'centos', '', '/s/']);
  });
});
