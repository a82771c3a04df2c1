import type { Command } from 'commander';
import { MusterError } from '../../errors.js';
import { verb } from '../select.js';
import type { Cli } from '../context.js';

export interface ApiJob {
  id: number;
  nodeName: string;
  jig: string;
  state: string;
  attempts: number;
  maxAttempts: number;
  args: Record<string, unknown>;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  chainId: number | null;
  log: string;
}

export function jobId(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new MusterError('REQUEST_INVALID', `'${s}' is not a job id`);
  return n;
}

export function jobLine(j: ApiJob): string {
  return `${j.id}\t${j.nodeName}\t${j.jig}\t${j.state}\t${j.attempts}/${j.maxAttempts}${j.error ? `\t${j.error}` : ''}`;
}

export async function fetchJob(cli: Cli, id: number): Promise<ApiJob> {
  return (await (await cli.client()).get<{ job: ApiJob }>(`/jobs/${id}`)).job;
}

/** `job show ID`: every field, then the log. */
export function command(product: string): Command {
  return verb('show', 'Show a job with its log', product, async (cli, args) => {
    const job = await fetchJob(cli, jobId(args[0]!));
    if (cli.g.json) return cli.json(job);
    const { log, ...fields } = job;
    for (const [k, v] of Object.entries(fields)) cli.data(`${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
    cli.data('log:');
    cli.data(log.replace(/\n$/, ''));
  }).argument('<id>');
}
