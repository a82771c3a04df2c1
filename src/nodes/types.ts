import { z } from 'zod';

/** A node as stored in the registry. `mac` is canonical (lower-case, colons). */
export const NodeSchema = z.object({
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
  /** what the node's provisiond reported after running its last nodescript */
  lastExit: z.number().int().nullable(),
  lastReport: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type Node = z.infer<typeof NodeSchema>;

/** Values new nodes get (defaults.conf). */
export interface NodeDefaults {
  /** Template `<prefix><#…><suffix>`, e.g. `n####`. */
  nameTemplate: string;
  firstNode: number;
  /** Caps the name search at firstNode..firstNode+totalNodes-1; unset = 10^width numbers. */
  totalNodes?: number | undefined;
  group: string;
  vnfs: string;
  enabled: boolean;
  debug: number;
}
