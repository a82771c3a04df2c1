import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, symlink, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { filesRoutes } from '../../src/api/files.js';
import { nodescriptRoutes } from '../../src/api/nodescripts.js';
import { useProblems } from '../../src/api/problem.js';
import { listEvents } from '../../src/events/index.js';
import { addNode, getNodeByMac } from '../../src/nodes/index.js';
import { getReport } from '../../src/nodescripts/report.js';
import { describeEachBackend } from '../helpers/db.js';
import { DEFAULTS, fixture, writeModule, type Fixture } from './fixture.js';

const run = promisify(execFile);
const sh = (cmd: string, env: Record<string, string> = {}) =>
  run('sh', ['-c', cmd], { env: { ...process.env, ...env } }).then(
    (r) => r.stdout,
    (e: { stdout: string; code: number }) => ({ failed: e.code, stdout: e.stdout }),
  );

/** A PATH holding only busybox applets: the node has no curl. */
async function busyboxPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-bb-'));
  for (const a of ['sh', 'wget', 'cat', 'tail', 'rm', 'mktemp', 'sleep', 'echo']) await symlink('/bin/busybox', join(dir, a));
  return dir;
}

await describeEachBackend('node-facing HTTP: nodescripts, provisiond, files', (kind) => {
  let f: Fixture;
  let app: FastifyInstance;
  let base: string;
  let bb: string;
  /** Every URL the node routes were asked for, in order. */
  const urls: string[] = [];
  before(async () => {
    f = await fixture(kind);
    await addNode(f.db, { mac: '02:00:00:00:00:01', name: 'web1' }, DEFAULTS);
    await writeModule(f.statedir, 'init/all/10-hello', '#!/bin/sh\necho "echo hello $NODENAME from $IPADDR"\n');
    await writeModule(f.statedir, 'ready/all/10-fail', '#!/bin/sh\necho "echo disk check failed >&2; exit 3"\n');
    // The script a busy master hands out exits 75 (retryScript); this one does so once.
    await writeModule(f.statedir, 'busy/all/10-busy', `#!/bin/sh\necho '[ -e "${'$'}{BUSY_SEEN:?}" ] || { : > "${'$'}BUSY_SEEN"; exit 75; }; echo served'\n`);
    await writeModule(f.statedir, 'slow/all/10-slow', '#!/bin/sh\nsleep 1.3\necho "echo slow-done"\n');
    await mkdir(join(f.statedir, 'files/sub'), { recursive: true });
    await writeFile(join(f.statedir, 'files/sub/data.bin'), Buffer.from('0123456789abcdef'));
    await writeFile(join(f.statedir, 'secret'), 'top secret');
    await symlink(join(f.statedir, 'secret'), join(f.statedir, 'files/escape'));
    app = Fastify();
    app.addHook('onRequest', async (req) => void urls.push(req.url));
    useProblems(app);
    await app.register(nodescriptRoutes({ service: f.service, keepaliveMs: 400 }));
    await app.register(filesRoutes({ statedir: f.statedir }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    bb = await busyboxPath();
  });
  after(async () => {
    await app.close();
    await f.cleanup();
    await rm(bb, { recursive: true, force: true });
  });

  it("busybox wget -qO- | sh runs a registered node's script end to end", async () => {
    const out = await sh(`busybox wget -qO- '${base}/nodescripts/init?hwaddr=02:00:00:00:00:01' | busybox sh`);
    assert.equal(out, 'hello web1 from 127.0.0.1\n');
    const node = await getNodeByMac(f.db, '02:00:00:00:00:01');
    assert.equal(node?.status, 'init');
    assert.equal(node?.ipaddr, null, 'a contact does not set the admin address');
    assert.equal(node?.observedIpaddr, '127.0.0.1');
  });

  it('answers bad requests with 400 and a failing script', async () => {
    for (const [url, why] of [
      ['/nodescripts/init', /no node given/],
      ['/nodescripts/init?hwaddr=nope', /nope\W+ is not a MAC address/],
      ['/nodescripts/init?hwaddr=02:00:00:00:00:01&hwaddr=02:00:00:00:00:02', /bad query/],
      ['/nodescripts/in%20it?hwaddr=02:00:00:00:00:01', /is not a state/],
      ['/nodescripts/init?hwaddr=02:00:00:00:00:07&nodename=..%2F..%2Fx', /not a valid hostname/],
      ['/nodescripts/init?hwaddr=' + 'a'.repeat(5000), /bad query/],
    ] as const) {
      const r = await app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 400, url);
      assert.match(r.headers['content-type'] as string, /text\/x-shellscript/);
      assert.match(r.body, why);
      assert.match(r.body, /exit 1\n# NODESCRIPT END\n$/);
    }
    assert.equal(await getNodeByMac(f.db, '02:00:00:00:00:07'), null);
  });

  it('unknown node asking for ready gets a clear failing script', async () => {
    const r = await app.inject({ method: 'GET', url: '/nodescripts/ready?nodeid=02:00:00:00:00:99' });
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /node 02:00:00:00:00:99 is not registered/);
  });

  it('streams # lines while a slow script renders, then the whole script', async () => {
    const out = await sh(`curl -s '${base}/nodescripts/slow?hwaddr=02:00:00:00:00:01'`);
    assert.match(String(out), /^(#\n){2,}# NODESCRIPT START\necho slow-done\n# NODESCRIPT END\n$/);
  });

  it('serves the node client, which runs, reports, and stops on a non-zero exit (busybox only)', async () => {
    const client = join(bb, 'provisiond');
    await sh(`busybox wget -qO ${client} ${base}/provisiond`);
    const port = new URL(base).port;
    const once = await sh(`sh ${client} -n 02:00:00:00:00:01 init`, { PATH: bb });
    assert.equal(once, 'hello web1 from 127.0.0.1\n', 'defaults to the master it was fetched from');
    assert.equal((await getReport(f.db, '02:00:00:00:00:01'))?.lastExit, 0);
    const started = Date.now();
    const r = await sh(`sh ${client} -i 1 -n 02:00:00:00:00:01 127.0.0.1:${port} ready 2>&1`, { PATH: bb });
    assert.deepEqual(typeof r === 'object' && r.failed, 3);
    assert.ok(Date.now() - started < 5000);
    const rep = await getReport(f.db, '02:00:00:00:00:01');
    assert.equal(rep?.lastExit, 3);
    const ev = await listEvents(f.db, { kindPrefix: 'node.report' });
    assert.match(ev.at(-1)!.message, /web1 ran ready: exit 3; its provisiond stops checking in: disk check failed/);
    assert.equal(ev.at(-1)!.level, 'warn');
  });

  it('the client sends the VNFS it booted (-V NAME@REV) as vnfs= with the script request and the report', async () => {
    const client = join(bb, 'provisiond');
    await sh(`busybox wget -qO ${client} ${base}/provisiond`);
    const from = urls.length;
    assert.equal(await sh(`sh ${client} -n 02:00:00:00:00:01 -V testimg@3 init`, { PATH: bb }), 'hello web1 from 127.0.0.1\n');
    assert.deepEqual(urls.slice(from), [
      '/nodescripts/init?hwaddr=02:00:00:00:00:01&vnfs=testimg@3',
      '/nodescripts/init/report?hwaddr=02:00:00:00:00:01&vnfs=testimg@3&exit=0&stop=0',
    ]);
    const bad = await sh(`sh ${client} -n 02:00:00:00:00:01 -V 'x&y=1' init 2>&1`, { PATH: bb });
    assert.ok(typeof bad === 'object' && bad.failed === 2, JSON.stringify(bad));
    assert.match(bad.stdout, /-V takes NAME@REVISION/);
  });

  it('the client retries with backoff and exits 255 when no master answers', async () => {
    const client = join(bb, 'provisiond');
    const started = Date.now();
    const r = await sh(`sh ${client} -t 2 -n 02:00:00:00:00:01 127.0.0.1:1 init 2>&1`, { PATH: bb });
    assert.ok(typeof r === 'object' && r.failed === 255);
    assert.match(r.stdout, /retrying in 1s/);
    assert.ok(Date.now() - started >= 1000);
  });

  it('the client asks again when a script exits 75 (a busy master)', async () => {
    const client = join(bb, 'provisiond');
    const r = await sh(`sh ${client} -t 2 -n 02:00:00:00:00:01 busy 2>&1`, { PATH: bb, BUSY_SEEN: join(bb, 'busy.seen') });
    assert.equal(typeof r, 'string', `exit 0: ${JSON.stringify(r)}`);
    assert.match(r as string, /the master is busy; asking again \(attempt 1 of 2\)\nserved\n$/);
  });

  it('report refuses junk', async () => {
    for (const url of [
      '/nodescripts/init/report?hwaddr=02:00:00:00:00:01',
      '/nodescripts/init/report?hwaddr=02:00:00:00:00:01&exit=999',
      '/nodescripts/init/report?hwaddr=x&exit=1',
      '/nodescripts/a-b/report?hwaddr=02:00:00:00:00:01&exit=1',
    ]) {
      const r = await app.inject({ method: 'POST', url, payload: 'x', headers: { 'content-type': 'text/plain' } });
      assert.equal(r.statusCode, 400, url);
    }
    const r = await app.inject({ method: 'POST', url: '/nodescripts/init/report?hwaddr=02:00:00:00:00:55&exit=0' });
    assert.equal(r.statusCode, 404);
  });

  it('/files serves whole files and ranges; busybox wget -c resumes', async () => {
    assert.equal(await sh(`curl -s ${base}/files/files/sub/data.bin`), '0123456789abcdef');
    assert.equal(await sh(`curl -s -r 4-7 ${base}/files/files/sub/data.bin`), '4567');
    assert.equal(await sh(`curl -s -r -3 ${base}/files/files/sub/data.bin`), 'def');
    const r = await app.inject({ method: 'GET', url: '/files/files/sub/data.bin', headers: { range: 'bytes=10-' } });
    assert.equal(r.statusCode, 206);
    assert.equal(r.headers['content-range'], 'bytes 10-15/16');
    const bad = await app.inject({ method: 'GET', url: '/files/files/sub/data.bin', headers: { range: 'bytes=99-' } });
    assert.equal(bad.statusCode, 416);
    assert.equal(bad.headers['content-range'], 'bytes */16');
    const dir = await mkdtemp(join(tmpdir(), 'muster-dl-'));
    await writeFile(join(dir, 'data.bin'), '01234');
    await sh(`cd ${dir} && busybox wget -q -c ${base}/files/files/sub/data.bin`);
    assert.equal(await sh(`cat ${dir}/data.bin`), '0123456789abcdef');
    await rm(dir, { recursive: true, force: true });
  });

  it('/files refuses traversal in every spelling', async () => {
    for (const path of [
      '/files/../secret',
      '/files/files/../../secret',
      '/files/%2e%2e/secret',
      '/files/files/%2E%2E/%2e%2e/secret',
      '/files/files%2f..%2f..%2fsecret',
      '/files//etc/passwd',
      '/files/%2fetc%2fpasswd',
      '/files/files/..%5c..%5csecret',
      '/files/files/%00',
      '/files/secret',
      '/files/pgdata/PG_VERSION',
      '/files/files/escape',
      '/files/files/%zz',
      '/files/files/./sub/data.bin',
    ]) {
      const out = await sh(`curl -s --path-as-is -o /dev/null -w '%{http_code}' '${base}${path}'`);
      assert.equal(out, '400', path);
    }
    assert.equal(await sh(`curl -s -o /dev/null -w '%{http_code}' ${base}/files/files/nothing`), '404');
    assert.equal(await sh(`curl -s -o /dev/null -w '%{http_code}' ${base}/files/files/sub`), '404');
  });
});
