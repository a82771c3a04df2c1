/**
 * Event-loop lag of a daemon on the embedded database during heavy admin requests: add 100,000
 * nodes in one request, list them all, queue a job on each. Two views of the same stall:
 *  - inside the daemon, perf_hooks.monitorEventLoopDelay (max / p99 per request);
 *  - what a node sees: another process fetches GET /provisiond (a tiny node HTTP request) every
 *    50 ms during the request and keeps the slowest answer.
 *   npm run bench -- eventloop        (BENCH_NODES=20000 for a quicker run; BENCH_JOB_NODES=N
 *                                      to queue on the first N nodes only; BENCH_TIMEOUT_MS per request)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { startDaemon } from '../src/daemon.js';
import { silentLogger } from '../src/log.js';

const N = Number(process.env.BENCH_NODES ?? 100_000);
const JOB_NODES = Math.min(N, Number(process.env.BENCH_JOB_NODES ?? N));
// Each request is bounded: a stalled daemon fails the bench instead of hanging it.
const REQUEST_TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 600_000);

const mac = (i: number) =>
  ['02', '4c', (i >>> 24) & 0xff, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff]
    .map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0')))
    .join(':');

// The probe: a separate process, so its own timing is not stalled with the daemon's.
const PROBE = `
const url = process.argv[1]; let worst = 0, n = 0, on = false;
setInterval(async () => { if (!on) return; const t = performance.now();
  try { await (await fetch(url)).text(); } catch {} worst = Math.max(worst, performance.now() - t); n++; }, 50);
require('readline').createInterface({ input: process.stdin }).on('close', () => process.exit(0)).on('line', (l) => {
  if (l === 'start') { worst = 0; n = 0; on = true; console.log('ok'); }
  else { on = false; console.log(JSON.stringify({ worst, n })); }
});`;

const statedir = await mkdtemp(join(tmpdir(), 'muster-bench-el-'));
const d = await startDaemon({
  env: {},
  log: silentLogger(),
  overrides: { statedir, 'api port': '0', 'http port': '0', 'provisiond port': '0', 'tftp enabled': 'no', 'dhcp mode': 'off', 'node name': 'n######' },
});
const probe = execa('node', ['-e', PROBE, `${d.httpUrl}/provisiond`], { stdin: 'pipe', stdout: 'pipe', stderr: 'inherit' });
const answers = createInterface({ input: probe.stdout! })[Symbol.asyncIterator]();
const ask = async (line: string): Promise<string> => {
  probe.stdin!.write(`${line}\n`);
  return (await answers.next()).value as string;
};
const headers = { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' };
const h = monitorEventLoopDelay({ resolution: 10 });
h.enable();

/**
 * One admin request. The admin client shares this process with the daemon, so it does as little
 * as a client can: the body is encoded before the clock starts and the answer is counted, not
 * gathered — its own work would count as the daemon's lag (a real client is another process).
 */
function request(method: string, path: string, data?: Buffer): Promise<{ ok: boolean; status: number; bytes: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${d.apiUrl}${path}`, { method, headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }, (res) => {
      const ok = res.statusCode! >= 200 && res.statusCode! < 300;
      let bytes = 0;
      let text = '';
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (!ok && text.length < 300) text += chunk.toString();
      });
      res.on('end', () => resolve({ ok, status: res.statusCode!, bytes, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function measure(label: string, send: () => Promise<{ ok: boolean; status: number; bytes: number; text: string }>): Promise<void> {
  await ask('start');
  h.reset();
  const t = performance.now();
  const res = await send();
  const s = (performance.now() - t) / 1000;
  const lagMax = h.max / 1e6;
  const lagP99 = h.percentile(99) / 1e6;
  const seen = JSON.parse(await ask('stop')) as { worst: number; n: number };
  if (!res.ok) throw new Error(`${label}: HTTP ${res.status}: ${res.text}`);
  process.stdout.write(
    `  ${label.padEnd(28)} ${s.toFixed(2).padStart(7)} s   loop lag max ${lagMax.toFixed(0).padStart(6)} ms  p99 ${lagP99.toFixed(0).padStart(6)} ms   ` +
      `/provisiond worst ${seen.worst.toFixed(0).padStart(6)} ms (${seen.n} probes)   ${(res.bytes / 1e6).toFixed(1)} MB\n`,
  );
}

process.stdout.write(`embedded database (PGlite), ${N} nodes\n`);
let failed: unknown = null;
try {
  const add = Buffer.from(JSON.stringify({ nodes: Array.from({ length: N }, (_, i) => ({ mac: mac(i) })) }));
  await measure(`add ${N} nodes`, () => request('POST', '/api/v1/nodes', add));
  await measure(`list ${N} nodes`, () => request('GET', '/api/v1/nodes'));
  const run = Buffer.from(JSON.stringify({ select: { patterns: [`n[000000-${String(JOB_NODES - 1).padStart(6, '0')}]`] }, steps: [{ jig: 'noop' }] }));
  await measure(`queue a job on ${JOB_NODES} nodes`, () => request('POST', '/api/v1/jobs', run));
} catch (err) {
  failed = err;
} finally {
  probe.stdin!.end();
  await probe;
  // Queued jobs get a grace period at close; the figures are printed, so do not wait for it.
  await Promise.race([d.close(), new Promise((r) => setTimeout(r, 15_000))]);
  await rm(statedir, { recursive: true, force: true });
  if (failed) console.error(failed);
  process.exit(failed ? 1 : 0);
}
