/**
 * Memory of a real daemon (embedded PGlite) across heavy admin requests: the daemon's RSS
 * (/proc/<pid>/status VmRSS) before, at its peak during, and 5 s after each request.
 *   npm run bench -- admin-rss          (BENCH_NODES=50000 nodes registered first)
 */
import { readFile } from 'node:fs/promises';
import { spawnDaemon, type TestDaemon } from '../test/helpers/daemon.js';

const N = Number(process.env.BENCH_NODES ?? 50_000);

const mac = (i: number) =>
  ['02', '4e', 0, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff].map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0'))).join(':');

async function rssMb(pid: number): Promise<number> {
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
}

async function measure(d: TestDaemon, label: string, req: () => Promise<Response>): Promise<void> {
  const pid = d.info.pid;
  const before = await rssMb(pid);
  let peak = before;
  const sampler = setInterval(() => void rssMb(pid).then((r) => (peak = Math.max(peak, r))), 50);
  const t = performance.now();
  const res = await req();
  const bytes = (await res.arrayBuffer()).byteLength;
  const s = (performance.now() - t) / 1000;
  clearInterval(sampler);
  await new Promise((r) => setTimeout(r, 5000));
  const afterwards = await rssMb(pid);
  process.stdout.write(
    `  ${label.padEnd(44)} HTTP ${res.status} ${s.toFixed(2).padStart(6)} s ${(bytes / 1e6).toFixed(1).padStart(6)} MB out   RSS ${before} → peak ${peak} → ${afterwards} MB\n`,
  );
}

const d = await spawnDaemon();
try {
  const api = `${d.info.api}/api/v1`;
  const headers = { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' };
  const get = (path: string) => () => fetch(api + path, { headers });
  const post = (path: string, body: unknown) => () => fetch(api + path, { method: 'POST', headers, body: JSON.stringify(body) });
  process.stdout.write(`admin requests against a real daemon (pglite), ${N} nodes\n`);
  await measure(d, `POST /nodes: bulk add ${N}`, post('/nodes', { nodes: Array.from({ length: N }, (_, i) => ({ mac: mac(i), name: `b${i}` })) }));
  await measure(d, 'GET /nodes: every node', get('/nodes'));
  await measure(d, 'GET /nodes?n=x[1-200000] (200k names, the cap)', get('/nodes?n=' + encodeURIComponent('x[1-200000]')));
  await measure(d, 'GET /nodes?n=x[1-1000000] (1M names)', get('/nodes?n=' + encodeURIComponent('x[1-1000000]')));
  const ten = Array.from({ length: 10 }, (_, i) => `r${i}n[1-1000000]`);
  await measure(d, 'POST /nodes/delete: 10 patterns of 1M names', post('/nodes/delete', { patterns: ten }));
  await measure(d, 'POST /jobs: noop on every node', post('/jobs', { select: { patterns: ['*'] }, steps: [{ jig: 'noop' }] }));
  await measure(d, 'GET /jobs?limit=10000', get('/jobs?limit=10000'));
} finally {
  await d.stop();
  // Failed requests (HTTP 5xx) leave their error in the daemon log.
  for (const line of String((await d.proc).stderr).split('\n')) if (/"level":50/.test(line)) process.stdout.write(`  daemon error: ${line.slice(0, 600)}\n`);
}
