import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';

/** The queue's runtime statements, kept as .sql files beside the code (src/queue/sql/). */
function load(name: string): string {
  return readFileSync(join(PACKAGE_ROOT, 'src', 'queue', 'sql', `${name}.sql`), 'utf8');
}

export const SQL = {
  renew: load('renew'),
  takeNodeTasks: load('take-node-tasks'),
  settleNodeTasks: load('settle-node-tasks'),
} as const;
