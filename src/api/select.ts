import type { Queryable } from '../db/index.js';
import { MusterError } from '../errors.js';
import { selectGroups, selectNodes, type Selection } from '../nodes/index.js';

export interface SelectSpec {
  patterns: string[];
  nodeid: boolean;
  groups: string[];
}

/** Resolves a request's node selection; no patterns and no groups means every node. */
export async function resolveSelection(db: Queryable, s: SelectSpec): Promise<Selection> {
  if (s.groups.length > 0 && s.patterns.length > 0) {
    throw new MusterError('REQUEST_INVALID', 'select nodes either by pattern or by group, not both');
  }
  if (s.groups.length > 0) return selectGroups(db, s.groups);
  if (s.patterns.length > 0) return selectNodes(db, s.patterns, { byMac: s.nodeid });
  // Every node: an empty registry is not a missing name.
  return { nodes: (await selectNodes(db, ['*'])).nodes, missing: [] };
}
