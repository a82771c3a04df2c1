import { connect } from 'node:net';
import { MusterError } from '../errors.js';
import { isValidState } from './tree.js';

/** Acts as many nodes asking the master for states (Perceus shipped such a simulator). */
export interface SimulateOptions {
  host: string;
  port: number;
  proto: 'http' | '987';
  nodes: number;
  concurrency: number;
  /** asked in this order by every node */
  states: string[];
  /** first simulated MAC is 02:4d:00:00:00:00 + offset (locally administered) */
  macOffset?: number;
  timeoutMs?: number;
}

export interface SimulateResult {
  requests: number;
  ok: number;
  failed: number;
  seconds: number;
  nodesPerSecond: number;
  latencyMs: { min: number; p50: number; avg: number; p99: number; max: number };
  /** the first few failure reasons */
  errors: string[];
}

export function simulatedMac(i: number): string {
  const hex = (0x4d00000000 + i).toString(16).padStart(10, '0');
  return ['02', ...hex.match(/../g)!].join(':');
}

/** One request; resolves to an error string or null. A script that starts with muster's error echo is a failure. */
async function ask(o: SimulateOptions, state: string, mac: string): Promise<string | null> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  if (o.proto === 'http') {
    const res = await fetch(`http://${o.host}:${o.port}/nodescripts/${state}?hwaddr=${mac}`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    if (res.status !== 200) return `HTTP ${res.status}: ${body.slice(0, 200)}`;
    return scriptError(body);
  }
  const text = await new Promise<string>((resolve, reject) => {
    const s = connect({ host: o.host, port: o.port });
    const chunks: Buffer[] = [];
    s.setTimeout(timeoutMs, () => s.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString()));
    s.on('error', reject);
    s.write(`${state} nodeid=${mac}\n`);
  });
  if (!text.endsWith('# PROVISIOND END\n')) return `incomplete reply: ${text.slice(-200)}`;
  return scriptError(text);
}

function scriptError(text: string): string | null {
  const m = /# NODESCRIPT START\necho '(muster: [^\n]*)' >&2\nexit 1\n# NODESCRIPT END\n/.exec(text);
  if (m) return m[1]!;
  return text.includes('# NODESCRIPT END\n') ? null : `no script in reply: ${text.slice(0, 200)}`;
}

export async function simulate(o: SimulateOptions): Promise<SimulateResult> {
  if (!Number.isInteger(o.nodes) || o.nodes < 1) throw new MusterError('REQUEST_INVALID', `--nodes must be a positive whole number, got ${o.nodes}`);
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1)
    throw new MusterError('REQUEST_INVALID', `--concurrency must be a positive whole number, got ${o.concurrency}`);
  for (const s of o.states) if (!isValidState(s)) throw new MusterError('STATE_INVALID', `'${s}' is not a state (letters, digits, _)`);
  const latencies: number[] = [];
  const errors: string[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < o.nodes) {
      const mac = simulatedMac((o.macOffset ?? 0) + next++);
      for (const state of o.states) {
        const t = performance.now();
        const err = await ask(o, state, mac).catch((e: Error) => e.message);
        latencies.push(performance.now() - t);
        if (err !== null) {
          failed++;
          if (errors.length < 5) errors.push(`${mac} ${state}: ${err}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.nodes) }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return {
    requests: latencies.length,
    ok: latencies.length - failed,
    failed,
    seconds,
    nodesPerSecond: o.nodes / seconds,
    latencyMs: { min: latencies[0]!, p50: pct(0.5), avg: latencies.reduce((a, b) => a + b, 0) / latencies.length, p99: pct(0.99), max: latencies.at(-1)! },
    errors,
  };
}
