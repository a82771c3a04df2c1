import { Command, InvalidArgumentError, Option } from 'commander';
import { simulate } from '../nodescripts/index.js';

function whole(name: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${name} must be a positive whole number, got '${v}'`);
    return Number(v);
  };
}

/** `muster simulate`: act as N nodes asking the master for states, over HTTP or the 987 protocol. */
export function command(): Command {
  return new Command('simulate')
    .description('Act as N nodes asking the master for nodescripts (demos, benchmarks); prints throughput and latency')
    .requiredOption('--nodes <n>', 'how many simulated nodes (MACs 02:4d:00:…)', whole('--nodes'))
    .option('--concurrency <c>', "nodes asking at once (all from this host's address: over the daemon's 'provisiond connections per peer', 987 refuses)", whole('--concurrency'), 32)
    .option('--states <list>', 'states each node asks for, in order', 'init')
    .addOption(new Option('--proto <proto>', 'HTTP or the Perceus wire protocol').choices(['http', '987']).default('http'))
    .option('--host <host>', "the master's node-facing address", '127.0.0.1')
    .option('--port <port>', "port (default: 8987 for http, the provisiond port for 987: 987 as root, else 9987)", whole('--port'))
    .option('--offset <n>', 'first MAC offset (to simulate different nodes in parallel runs)', (v) => Number(v), 0)
    .action(async (o: { nodes: number; concurrency: number; states: string; proto: 'http' | '987'; host: string; port?: number; offset: number }) => {
      const port = o.port ?? (o.proto === 'http' ? 8987 : process.getuid?.() === 0 ? 987 : 9987);
      const states = o.states.split(',').map((s) => s.trim()).filter(Boolean);
      const r = await simulate({ host: o.host, port, proto: o.proto, nodes: o.nodes, concurrency: o.concurrency, states, macOffset: o.offset });
      const l = r.latencyMs;
      process.stdout.write(
        `nodes ${o.nodes}  requests ${r.requests}  ok ${r.ok}  failed ${r.failed}  in ${r.seconds.toFixed(2)} s  (${r.nodesPerSecond.toFixed(1)} nodes/s)\n` +
          `latency ms  min ${l.min.toFixed(1)}  p50 ${l.p50.toFixed(1)}  avg ${l.avg.toFixed(1)}  p99 ${l.p99.toFixed(1)}  max ${l.max.toFixed(1)}\n` +
          r.errors.map((e) => `  ${e}\n`).join(''),
      );
      if (r.failed > 0) process.exitCode = 1;
    });
}
