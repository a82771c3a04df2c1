import type { Command } from 'commander';
import { verb } from '../select.js';
import { jobId } from './show.js';

/** `job retry ID…`: queue finished jobs again; prints the new ids. */
export function command(product: string): Command {
  return verb('retry', 'Queue finished jobs again', product, async (cli, args) => {
    const client = await cli.client();
    for (const id of args.map(jobId)) {
      const { job } = await client.post<{ job: { id: number } }>(`/jobs/${id}/retry`, {});
      cli.data(String(job.id));
    }
  }).argument('<ids...>');
}
