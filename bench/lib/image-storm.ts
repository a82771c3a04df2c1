/**
 * Boot storm on one image: CLIENTS concurrent HTTP downloads of one vnfs.img from a real muster
 * daemon (embedded PGlite) and from nginx (Debian nginx-light, sendfile on, one worker per core,
 * a conf generated here, run in the foreground on loopback), the same file in the same run.
 * The load is curl's own event loop (`curl --parallel`), split over one curl process per core so
 * the client side is not the bottleneck of either server; every download is checked for status
 * 200 and the full size. Prints each server's aggregate throughput, the ratio, and muster's RSS
 * (sampled VmRSS peak and VmHWM from /proc/<pid>/status).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { writeSha256Sidecar } from '../../src/images/index.js';
import { createHash } from 'node:crypto';
import { spawnDaemon } from '../../test/helpers/daemon.js';

const MiB = 1024 * 1024;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Writes `size` random bytes (incompressible, like a gzip image) and returns their sha256. */
async function randomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let left = size; left > 0; left -= 4 * MiB) {
    const chunk = randomBytes(Math.min(4 * MiB, left));
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  await new Promise<void>((r) => out.end(() => r()));
  return hash.digest('hex');
}

interface StormResult {
  seconds: number;
  bytes: number;
  failures: string[];
}

/** `clients` downloads of `url` at once, over one curl process per core; every one must be 200 with `size` bytes. */
async function storm(url: string, clients: number, size: number): Promise<StormResult> {
  const procs = Math.min(availableParallelism(), clients);
  const started = performance.now();
  const runs = await Promise.all(
    Array.from({ length: procs }, (_, p) => {
      const n = Math.floor(clients / procs) + (p < clients % procs ? 1 : 0);
      const args = ['-s', '--parallel', '--parallel-immediate', '--parallel-max', String(n), '-w', '%{http_code} %{size_download}\\n'];
      for (let i = 0; i < n; i++) args.push('-o', '/dev/null', url);
      return execa('curl', args, { reject: false });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const failures: string[] = [];
  let bytes = 0;
  for (const r of runs) {
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const [code, got] = line.split(' ');
      bytes += Number(got);
      if (code !== '200' || Number(got) !== size) failures.push(line);
    }
    if (r.exitCode !== 0) failures.push(`curl exit ${r.exitCode}: ${r.stderr.slice(0, 200)}`);
  }
  return { seconds, bytes, failures };
}

async function memory(pid: number): Promise<{ rss: number; hwm: number }> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

function nginxConf(dir: string, root: string, port: number): string {
  return [
    'daemon off;',
    'master_process on;',
    `worker_processes ${availableParallelism()};`,
    process.getuid?.() === 0 ? 'user root;' : '',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    '  sendfile on;',
    '  tcp_nopush on;',
    `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;`,
    `  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
    `  server { listen 127.0.0.1:${port}; root ${root}; location /files/ { alias ${root}/; } }`,
    '}',
    '',
  ].join('\n');
}

export async function imageStorm(opts: { clients: number; sizeMiB: number }): Promise<void> {
  const { clients } = opts;
  const size = opts.sizeMiB * MiB;
  const statedir = await mkdtemp(join(tmpdir(), 'muster-bench-img-'));
  const rev = join(statedir, 'vnfs/img/revisions/1');
  await mkdir(rev, { recursive: true });
  const sha = await randomFile(join(rev, 'vnfs.img'), size);
  await writeSha256Sidecar(join(rev, 'vnfs.img'), sha);
  await symlink('revisions/1/vnfs.img', join(statedir, 'vnfs/img/vnfs.img'));
  await execa('cat', [join(rev, 'vnfs.img')], { stdout: 'ignore' }); // both servers read from the page cache

  const nginxDir = await mkdtemp(join(tmpdir(), 'muster-bench-nginx-'));
  const nginxPort = await freePort();
  await writeFile(join(nginxDir, 'nginx.conf'), nginxConf(nginxDir, statedir, nginxPort));
  const nginx = spawn('/usr/sbin/nginx', ['-c', join(nginxDir, 'nginx.conf'), '-e', join(nginxDir, 'error.log')], { stdio: 'ignore' });
  const d = await spawnDaemon({ statedir });
  try {
    const limit = await fetch(`${d.info.api}/api/v1/info/config?key=http+image+transfers`, { headers: { authorization: `Bearer ${d.token}` } });
    const bound = ((await limit.json()) as { config: [[string, string]] }).config[0][1];
    const nginxUrl = `http://127.0.0.1:${nginxPort}/files/vnfs/img/vnfs.img`;
    for (let i = 0; i < 50; i++)
      if ((await fetch(nginxUrl, { method: 'HEAD' }).catch(() => null))?.ok) break;
      else await new Promise((r) => setTimeout(r, 100));
    console.log(
      `image storm: ${clients} concurrent downloads of one ${opts.sizeMiB} MiB vnfs.img, loopback, client curl ${(await execa('curl', ['--version'])).stdout.split(' ')[1]} --parallel ` +
        `in ${Math.min(availableParallelism(), clients)} processes; http image transfers = ${bound}; load average before ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    const pid = d.info.pid;
    const before = await memory(pid);
    let peak = before.rss;
    const sampler = setInterval(
      () =>
        void memory(pid).then(
          (m) => (peak = Math.max(peak, m.rss)),
          () => undefined,
        ),
      100,
    );
    const m = await storm(`${d.info.http}/files/vnfs/img/vnfs.img`, clients, size);
    clearInterval(sampler);
    const after = await memory(pid);
    const n = await storm(nginxUrl, clients, size);
    const rate = (r: StormResult) => r.bytes / MiB / r.seconds;
    const line = (name: string, r: StormResult) =>
      `  ${name.padEnd(6)} ${(r.bytes / MiB / 1024).toFixed(1)} GiB in ${r.seconds.toFixed(2)} s = ${rate(r).toFixed(0)} MiB/s aggregate, ${(rate(r) / clients).toFixed(1)} MiB/s per client${r.failures.length ? `, ${r.failures.length} FAILED: ${r.failures.slice(0, 3).join('; ')}` : ''}`;
    console.log(line('muster', m));
    console.log(line('nginx', n));
    console.log(`  ratio muster/nginx ${(rate(m) / rate(n)).toFixed(2)}× (goal ≥ 0.8×)`);
    console.log(
      `  muster RSS: ${before.rss.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB sampled every 100 ms, ${after.rss.toFixed(0)} MiB after; VmHWM ${after.hwm.toFixed(0)} MiB (lifetime, start included)`,
    );
    console.log(
      `  load average after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await d.stop();
    nginx.kill('SIGQUIT');
    await rm(statedir, { recursive: true, force: true });
    await rm(nginxDir, { recursive: true, force: true });
  }
}
