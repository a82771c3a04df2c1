import type { Command } from 'commander';
import { MusterError } from '../../errors.js';
import { select, verb } from '../select.js';
import { jobLine, type ApiJob } from './show.js';

/** `job list [--node N] [--state S]`: id, node, jig, state, attempts, error. */
export function command(product: string): Command {
  return verb('list', 'List jobs', product, async (cli, _args, cmd) => {
    const o = cmd.opts<{ node?: string; state?: string }>();
    let node: string | undefined;
    if (o.node !== undefined) {
      const sel = await select(cli, 'node', [o.node]);
      if (sel.nodes.length !== 1) throw new MusterError('NODE_NOT_FOUND', `--node '${o.node}' names ${sel.nodes.length} nodes; name one`);
      node = sel.nodes[0]!.mac;
    }
    const r = await (await cli.client()).get<{ jobs: ApiJob[] }>('/jobs', { node, state: o.state });
    if (cli.g.json) return cli.json(r.jobs);
    for (const j of r.jobs) cli.data(jobLine(j));
  })
    .option('--node <node>', 'only this node')
    .option('--state <state>', 'queued, running, succeeded, failed or cancelled');
}
