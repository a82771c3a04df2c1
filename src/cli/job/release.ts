import type { Command } from 'commander';
import { verb } from '../select.js';
import { jobId, jobLine, type ApiJob } from './show.js';

/**
 * `job release ID…`: take back running jobs whose daemon is gone for good, on a host that will
 * not come back (a daemon on that host would take them back by itself). Asks first: a job
 * released while its processes still run on a live host could run twice.
 */
export function command(product: string): Command {
  return verb('release', 'Take back running jobs of a daemon whose host is gone', product, async (cli, args) => {
    const ids = args.map(jobId);
    const question = `Release ${ids.length === 1 ? `job ${ids[0]}` : `${ids.length} jobs`}? Only when the daemon holding it and its host are gone for good: a job whose processes still run could run twice.`;
    if (!(await cli.confirm(question))) return;
    const client = await cli.client();
    for (const id of ids) {
      const { job } = await client.post<{ job: ApiJob }>(`/jobs/${id}/release`, {});
      if (cli.g.json) cli.json(job);
      else cli.info(jobLine(job));
    }
  }).argument('<ids...>');
}
