import type { Command } from 'commander';
import { exactly, noNodes, patternHelp, select, verb } from '../select.js';
import { parseSteps } from './steps.js';

const collect = (v: string, all: string[]) => [...all, v];

/** `job run JIGS NODE…`: queue jig runs (all or none); prints the job ids. */
export function command(product: string): Command {
  return verb('run', 'Queue jig runs on nodes', product, async (cli, args, cmd) => {
    const [jigs, ...patterns] = args;
    const o = cmd.opts<{ arg: string[]; chain?: boolean; attempts?: string; timeout?: string; key?: string }>();
    const steps = parseSteps(jigs!, o.arg);
    const sel = await select(cli, 'node', patterns);
    if (sel.nodes.length === 0) throw noNodes();
    const client = await cli.client();
    const r = await client.post<{ jobs: Array<{ id: number; node: string; created: boolean }> }>('/jobs', {
      select: exactly(sel.nodes),
      steps,
      chain: Boolean(o.chain),
      maxAttempts: o.attempts === undefined ? undefined : Number(o.attempts),
      timeoutSeconds: o.timeout === undefined ? undefined : Number(o.timeout),
      idempotencyKey: o.key,
    });
    if (cli.g.json) return cli.json(r.jobs);
    for (const j of r.jobs) cli.data(String(j.id));
  })
    .argument('<jigs>', 'jig, or jig+jig+… for several steps per node')
    .argument('<nodes...>')
    .option('--arg <k=v>', 'jig argument (N:k=v for step N only); repeatable', collect, [])
    .option('--chain', 'the steps of each node form a chain: a failed step cancels the later ones')
    .option('--attempts <n>', 'attempts before a job fails (default 1)')
    .option('--timeout <seconds>', 'time limit of one attempt')
    .option('--key <key>', 'idempotency key: the same key never queues twice')
    .addHelpText('after', patternHelp('node'));
}
