import { z } from 'zod';
import { NodeSchema } from '../../nodes/index.js';
import { repeated, queryBool } from '../zod.js';

/** A node as the API returns it: the registry's own schema (dates go out as ISO strings). */
export const NodeOut = NodeSchema;

export const SelectionOut = z.object({ nodes: z.array(NodeOut), missing: z.array(z.string()) });
/** `warnings`: the value was set but looks wrong (a VNFS this master does not hold). */
export const SetOut = SelectionOut.extend({ warnings: z.array(z.string()) });

/** How a request names nodes: patterns (names, ranges, globs), NodeIDs, or exact groups. */
export const SelectQuery = z.object({
  n: repeated.describe('node name, range or glob; repeatable; none = every node'),
  nodeid: queryBool.describe('the n values are NodeIDs (MACs)'),
  group: repeated.describe('exact group name; repeatable'),
});

/** Most patterns one request may carry; far more than a command line holds (xargs passes ~18,000 names). */
export const MAX_PATTERNS = 100_000;

const selection = z.object({
  patterns: z
    .array(z.string().max(4096))
    .max(MAX_PATTERNS, `more than ${MAX_PATTERNS.toLocaleString('en-US')} patterns in one request: split the list (xargs -n ${MAX_PATTERNS})`)
    .default([]),
  nodeid: z.boolean().default(false),
  groups: z.array(z.string().max(256)).max(10_000).default([]),
});

/** The selection of a bulk change (set, delete, jobs): never empty by accident. */
export const SelectBody = selection.refine((b) => b.patterns.length > 0 || b.groups.length > 0, { message: 'name at least one node pattern or group' });

/**
 * SelectQuery in a body (POST /nodes/select, /export/:format): no URL length limit (a query string
 * failed with 431 at ~1,200 names); none = every node. Unknown keys are refused, so `{"n": [...]}`
 * is not silently every node.
 */
export const SelectionBody = selection.strict();

export const AddBody = z.object({
  nodes: z
    .array(z.object({ mac: z.string().max(64), name: z.string().max(253).optional() }))
    .min(1)
    .max(200_000),
});

export const SetBody = z.object({ select: SelectBody, key: z.string().max(64), value: z.string().max(4096) });

export const ReplaceBody = z.object({ old: z.string().max(253), new: z.string().max(253), nodeid: z.boolean().default(false) });

export const GroupsOut = z.object({ groups: z.array(z.object({ group: z.string(), nodes: z.number().int() })) });
