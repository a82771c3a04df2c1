import { z } from 'zod';
import { repeated, queryBool } from '../zod.js';

/** A node as the API returns it (dates as ISO strings). */
export const NodeOut = z.object({
  mac: z.string(),
  name: z.string(),
  group: z.string(),
  vnfs: z.string(),
  enabled: z.boolean(),
  debug: z.number().int(),
  desc: z.string(),
  bootenv: z.string(),
  status: z.string().nullable(),
  ipaddr: z.string().nullable(),
  lastcontact: z.date().nullable(),
  lastExit: z.number().int().nullable(),
  lastReport: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

export const SelectionOut = z.object({ nodes: z.array(NodeOut), missing: z.array(z.string()) });

/** How a request names nodes: patterns (names, ranges, globs), NodeIDs, or exact groups. */
export const SelectQuery = z.object({
  n: repeated.describe('node name, range or glob; repeatable; none = every node'),
  nodeid: queryBool.describe('the n values are NodeIDs (MACs)'),
  group: repeated.describe('exact group name; repeatable'),
});

export const SelectBody = z
  .object({
    patterns: z.array(z.string().max(4096)).max(100_000).default([]),
    nodeid: z.boolean().default(false),
    groups: z.array(z.string().max(256)).max(10_000).default([]),
  })
  .refine((b) => b.patterns.length > 0 || b.groups.length > 0, { message: 'name at least one node pattern or group' });

export const AddBody = z.object({
  nodes: z
    .array(z.object({ mac: z.string().max(64), name: z.string().max(253).optional() }))
    .min(1)
    .max(200_000),
});

export const SetBody = z.object({ select: SelectBody, key: z.string().max(64), value: z.string().max(4096) });

export const ReplaceBody = z.object({ old: z.string().max(253), new: z.string().max(253), nodeid: z.boolean().default(false) });

export const GroupsOut = z.object({ groups: z.array(z.object({ group: z.string(), nodes: z.number().int() })) });
