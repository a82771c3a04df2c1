import { connect } from 'node:net';
import { Command, InvalidArgumentError, Option } from 'commander';
import { MusterError } from '../errors.js';
import { simulate } from '../nodescripts/index.js';
import { makeCli } from './context.js';

function whole(name: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${name} must be a positive whole number, got '${v}'`);
    return Number(v);
  };
}

interface SimulateFlags {
  nodes: number;
  concurrency: number;
  states: string;
  proto: 'http' | '987';
  host?: string;
  port?: number;
  offset: number;
}

/**
 * Where to ask: --host/--port, else the node-facing address of the daemon the CLI finds (as
 * every verb does: discover.ts). Its daemon.json has the ports; an --api or default address has none.
 */
async function target(cmd: Command, o: SimulateFlags): Promise<{ host: string; port: number; what: string }> {
  if (o.port !== undefined) return { host: o.host ?? '127.0.0.1', port: o.port, what: `${o.host ?? '127.0.0.1'}:${o.port}` };
  const found = (await makeCli(cmd, 'muster').client()).daemon;
  const d = found.daemon;
  if (!d) {
    throw new MusterError(
      'DAEMON_UNREACHABLE',
      `cannot tell which ports the daemon at ${found.api} (${found.via}) serves nodes on: it has no daemon.json here; pass --port (and --host)`,
    );
  }
  const http = new URL(d.http);
  const port = o.proto === 'http' ? Number(http.port || 80) : d.ports.provisiond;
  const host = o.host ?? http.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port, what: `${host}:${port}, the ${o.proto === 'http' ? 'node HTTP' : 'provisiond'} port of the daemon at ${found.api} (pid ${d.pid})` };
}

/** One connection first: nothing listening is one clear error, not one "fetch failed" per node. */
function probe(t: { host: string; port: number; what: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: t.host, port: t.port, timeout: 5000 });
    const fail = (why: string) => {
      s.destroy();
      reject(new MusterError('DAEMON_UNREACHABLE', `nothing answers at ${t.what}: ${why} (start the daemon, or pass --host/--port)`));
    };
    s.once('connect', () => {
      s.end();
      resolve();
    });
    s.once('timeout', () => fail('no answer in 5 s'));
    s.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
  });
}

/** `muster simulate`: act as N nodes asking the master for states, over HTTP or the 987 protocol. */
export function command(): Command {
  return new Command('simulate')
    .description('Act as N nodes asking the master for nodescripts (demos, benchmarks); prints throughput and latency')
    .requiredOption('--nodes <n>', 'how many simulated nodes (MACs 02:4d:00:…)', whole('--nodes'))
    .option(
      '--concurrency <c>',
      "nodes asking at once (all from this host's address: over the daemon's 'provisiond connections per peer', 987 refuses)",
      whole('--concurrency'),
      32,
    )
    .option('--states <list>', 'states each node asks for, in order', 'init')
    .addOption(new Option('--proto <proto>', 'HTTP or the Perceus wire protocol').choices(['http', '987']).default('http'))
    .option('--host <host>', "the master's node-facing address (default: the daemon's, as the other verbs find it; else 127.0.0.1)")
    .option('--port <port>', "port (default: the daemon's node HTTP or provisiond port, from its daemon.json)", whole('--port'))
    .option('--offset <n>', 'first MAC offset (to simulate different nodes in parallel runs)', (v) => Number(v), 0)
    .action(async (o: SimulateFlags, cmd: Command) => {
      const t = await target(cmd, o);
      await probe(t);
      const states = o.states
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const r = await simulate({ host: t.host, port: t.port, proto: o.proto, nodes: o.nodes, concurrency: o.concurrency, states, macOffset: o.offset });
      const l = r.latencyMs;
      process.stdout.write(
        `nodes ${o.nodes}  requests ${r.requests}  ok ${r.ok}  failed ${r.failed}  in ${r.seconds.toFixed(2)} s  (${r.nodesPerSecond.toFixed(1)} nodes/s)\n` +
          `latency ms  min ${l.min.toFixed(1)}  p50 ${l.p50.toFixed(1)}  avg ${l.avg.toFixed(1)}  p99 ${l.p99.toFixed(1)}  max ${l.max.toFixed(1)}\n` +
          r.errors.map((e) => `  ${e}\n`).join(''),
      );
      if (r.failed > 0) process.exitCode = 1;
    });
}
