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
  /** the address the admin set: desired, and DHCP's fixed address for the node */
  ipaddr: z.string().nullable(),
  /** the address the node's last nodescript request came from, and when */
  observedIpaddr: z.string().nullable(),
  observedAt: z.date().nullable(),
  lastcontact: z.date().nullable(),
  /** when the node was found silent for longer than `node timeout` (cleared by its next contact) */
  timedOutAt: z.date().nullable(),
  /** what the node's provisiond reported after running its last nodescript */
  lastExit: z.number().int().nullable(),
  lastReport: z.date().nullable(),
  /** the VNFS revision (name@revision) its last iPXE script named, and when */
  vnfsBoot: z.string().nullable(),
  vnfsBootAt: z.date().nullable(),
  /** the VNFS revision its overlay last reported from: what it is running */
  vnfsBooted: z.string().nullable(),
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
  /** `default bootenv`: what a new node boots until an admin sets another. */
  bootenv: string;
}
