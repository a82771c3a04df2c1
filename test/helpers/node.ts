import type { Node } from '../../src/nodes/types.js';

/** A registry node for pure tests (no database), with the fields a test cares about. */
export function makeNode(fields: Partial<Node> = {}): Node {
  const at = new Date('2024-01-01T00:00:00Z');
  return {
    mac: '52:54:00:12:34:56',
    name: 'n0001',
    group: 'cluster',
    vnfs: '',
    enabled: true,
    debug: 0,
    desc: '',
    bootenv: 'discovery',
    status: null,
    ipaddr: null,
    observedIpaddr: null,
    observedAt: null,
    lastcontact: null,
    timedOutAt: null,
    lastExit: null,
    lastReport: null,
    vnfsBoot: null,
    vnfsBootAt: null,
    vnfsBooted: null,
    createdAt: at,
    updatedAt: at,
    ...fields,
  };
}
