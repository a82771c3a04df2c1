import { z } from 'zod';
import { JigFatalError, type Jig } from './types.js';

// Node record fields a wait may test, as text (a fixed list: the name goes into the SQL).
const FIELDS = {
  status: 'status',
  bootenv: 'bootenv',
  vnfs: 'vnfs',
  group: 'groupname',
  enabled: 'enabled::text',
  ipaddr: 'host(ipaddr)',
} as const;

const WaitArgs = z.object({ field: z.enum(Object.keys(FIELDS) as [keyof typeof FIELDS]).default('status'), equals: z.string().min(1) }).strict();
type WaitArgs = z.infer<typeof WaitArgs>;

/**
 * Waits until a field of the node record has a value (e.g. status = ready after an install and a
 * reboot). Between checks the job goes back to the queue as its node's head, so it keeps the
 * node's later jobs waiting without holding a worker; the deadline spans all checks.
 */
export const waitJig: Jig<WaitArgs> = {
  name: 'wait',
  summary: 'wait until a node field has a value (--arg field=status --arg equals=ready)',
  args: WaitArgs,
  defaultTimeoutSeconds: 1800,
  async run({ db, job, args, log, ctx }) {
    const { rows } = await db.query<{ v: string | null }>(`SELECT ${FIELDS[args.field]} AS v FROM nodes WHERE mac = $1::macaddr`, [job.node]);
    const value = rows[0]?.v ?? null;
    if (value === args.equals) {
      log.line(`muster: ${args.field} = ${value}`);
      return { kind: 'succeeded', result: { [args.field]: value } };
    }
    if (Date.now() + ctx.waitPollMs >= job.deadline.getTime()) {
      throw new JigFatalError(`${args.field} is ${value ?? 'unset'}, not ${args.equals}, at the deadline (${job.timeout_s} s)`);
    }
    return { kind: 'snooze', afterMs: ctx.waitPollMs };
  },
};
