import { z } from 'zod';
import type { Jig } from './types.js';

/**
 * A task the node runs itself: the job holds the node (one task at a time) but gives back its
 * worker slot, the node receives it in its next `ready` nodescript (takeNodeTasks) and its exit
 * status completes the job (completeNodeTask). If no report comes by the deadline the reaper
 * fails it (or queues it again while attempts remain).
 */
export const nodeJig: Jig<{ run: string }> = {
  name: 'node',
  summary: 'run a shell snippet on the node in its next ready nodescript (--arg run=<shell>)',
  args: z.object({ run: z.string().min(1).max(60_000) }).strict(),
  defaultTimeoutSeconds: 3600,
  async run({ log }) {
    log.line('muster: waiting for the node to run this task and report its exit status');
    return { kind: 'async' };
  },
};
