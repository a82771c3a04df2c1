/**
 * The live view through a real daemon: /api/v1/events (cursor, filters, long poll), the NDJSON
 * stream, and `muster monitor` as a child process, on PGlite and on Postgres (LISTEN differs).
 */
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { after, before, it } from 'node:test';
import { execa } from 'execa';
import type { ApiEvent } from '../../src/cli/monitor.js';
import { cli, MUSTER_BIN, spawnDaemon, type TestDaemon } from '../helpers/daemon.js';
import { describeEachBackend, freshPgDatabase } from '../helpers/db.js';
import { until } from '../helpers/until.js';

await describeEachBackend('events API and muster monitor', (kind) => {
  let d: TestDaemon;
  let dropDb: (() => Promise<void>) | undefined;
  let mac = 0x10;
  let daemonLog = '';
  const pollsWaiting = () => daemonLog.split('\n').filter((l) => l.includes('long poll waiting for events')).length;
  /** Adds a node with a fresh MAC through the CLI: one `node.added` event. */
  const addNode = async (name: string) => {
    const r = await cli(d, ['-q', 'node', 'add', `02:00:00:00:0b:${(mac++).toString(16).padStart(2, '0')}`, name]);
    assert.equal(r.exitCode, 0, r.stderr);
  };
  const api = async (path: string, init: RequestInit = {}) =>
    fetch(`${d.info.api}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${d.token}` } });
  const list = async (query: string) => {
    const r = await api(`/events?${query}`);
    assert.equal(r.status, 200, await r.clone().text());
    return (await r.json()) as { events: ApiEvent[]; cursor: string };
  };
  const newest = async () => (await list('after=now')).cursor;
  /** Fails the test instead of hanging it when `p` does not settle in time. */
  const within = <T>(p: Promise<T>, what: () => string, ms = 10_000): Promise<T> =>
    Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what()}`)), ms).unref())]);

  before(async () => {
    const pg = kind === 'postgres' ? await freshPgDatabase({ migrate: false }) : undefined;
    dropDb = pg?.drop;
    // debug: the daemon says when a long poll starts waiting (the poll test waits for that)
    d = await spawnDaemon({ ...(pg ? { databaseUrl: pg.url } : {}), env: { MUSTER_LOG_LEVEL: 'debug' } });
    d.proc.stderr!.on('data', (c: Buffer) => (daemonLog += c.toString()));
  });
  after(async () => {
    await d?.stop();
    await dropDb?.();
  });

  it('lists events after a cursor, filtered by kind, node glob and level', async () => {
    const start = await newest();
    await addNode('rack1-a');
    await addNode('rack1-b');
    await addNode('rack2-a');
    await cli(d, ['-q', '-y', 'node', 'delete', 'rack2-a']);
    const all = await list(`after=${start}`);
    assert.deepEqual(
      all.events.map((e) => `${e.kind} ${e.node}`),
      ['node.added rack1-a', 'node.added rack1-b', 'node.added rack2-a', 'node.deleted rack2-a'],
    );
    assert.match(all.cursor, /^\d+\.\d+$/, 'a cursor is <xid>.<id>');
    assert.deepEqual((await list(`after=${all.cursor}`)).events, [], 'the cursor is past every event read');
    assert.deepEqual(
      (await list(`after=${start}&node=rack1-*`)).events.map((e) => e.node),
      ['rack1-a', 'rack1-b'],
    );
    assert.deepEqual(
      (await list(`after=${start}&node=rack2-a,rack1-b&kind=node.added`)).events.map((e) => e.node),
      ['rack1-b', 'rack2-a'],
    );
    assert.deepEqual(
      (await list(`after=${start}&kind=*.deleted`)).events.map((e) => e.node),
      ['rack2-a'],
    );
    assert.equal((await list(`after=${start}&kind=node`)).events.length, 4, '`node` means node.*');
    assert.equal((await list(`after=${start}&kind=nod`)).events.length, 0, 'a kind is not a string prefix');
    assert.deepEqual(
      (await list(`after=${start}&level=warn`)).events.map((e) => e.kind),
      ['node.deleted'],
    );
    assert.deepEqual(
      (await list(`after=${start}&node=02:00:00:00:0b:1*&kind=node.deleted`)).events.map((e) => e.node),
      ['rack2-a'],
      'MAC globs match too',
    );
    const page = await list(`after=${start}&limit=3`);
    assert.equal(page.events.length, 3);
    assert.deepEqual(
      (await list(`after=${page.cursor}`)).events.map((e) => e.kind),
      ['node.deleted'],
      'the cursor continues where the page ended',
    );
    const none = await list(`after=${start}&node=nosuch`);
    assert.equal(none.events.length, 0);
    assert.deepEqual((await list(`after=${none.cursor}`)).events, [], 'a read that matches nothing still moves the cursor');
    const byId = await list(`after=${all.events[1]!.id}`);
    assert.deepEqual(
      byId.events.map((e) => e.node),
      ['rack2-a', 'rack2-a'],
      'after=<event id> starts after that event',
    );
  });

  it('since=N starts at the events of the last N seconds', async () => {
    const start = await newest();
    await addNode('early');
    await new Promise((r) => setTimeout(r, 2500)); // makes 'early' older, not a synchronisation
    await addNode('late');
    const added = (await list(`after=${start}&kind=node.added`)).events;
    const at = (node: string) => new Date(added.find((e) => e.node === node)!.at).getTime();
    const gap = at('late') - at('early');
    assert.ok(gap >= 2500, `the events are ${gap} ms apart`);
    // The window reaches half the gap past 'late' from the time the request is sent: 'early' is
    // outside however late the server evaluates it; 'late' is inside unless the request takes
    // longer than gap/2 to reach the database (the old fixed window failed when adding took long).
    const since = (Date.now() - at('late') + gap / 2) / 1000;
    const recent = await list(`since=${since}&kind=node.added`);
    assert.deepEqual(
      recent.events.map((e) => e.node),
      ['late'],
    );
  });

  it('a long poll returns as soon as a matching event is stored', async () => {
    const start = await newest();
    const t0 = Date.now();
    const waited = pollsWaiting();
    const poll = list(`after=${start}&wait=20&kind=node.added`);
    // The event comes once the daemon holds the poll, so it is the wake-up that answers it.
    await until('the daemon to hold the long poll', pollsWaiting, (n) => n > waited, 10_000);
    await addNode('polled');
    const r = await poll;
    assert.deepEqual(
      r.events.map((e) => e.node),
      ['polled'],
    );
    assert.ok(Date.now() - t0 < 10_000, 'answered long before the wait ran out');
    const empty = await list(`after=${r.cursor}&wait=1`);
    assert.equal(empty.events.length, 0, 'an idle poll ends at its wait');
  });

  it('refuses bad queries with a clear 400 and anonymous readers with 401', async () => {
    for (const q of ['level=loud', 'after=-1', 'after=soon', 'state=a%20b', 'limit=0', 'wait=600', 'since=x']) {
      const r = await api(`/events?${q}`);
      const body = (await r.json()) as { code: string; detail: string };
      assert.equal(r.status, 400, q);
      assert.equal(body.code, 'REQUEST_INVALID', q);
      assert.match(body.detail, /querystring\.\w+/, `${q}: names the parameter`);
    }
    assert.equal((await fetch(`${d.info.api}/api/v1/events`)).status, 401);
    assert.equal((await fetch(`${d.info.api}/api/v1/events/stream`)).status, 401);
  });

  it('streams NDJSON as events happen and lets the client go', async () => {
    const abort = new AbortController();
    const res = await api('/events/stream?kind=node.added', { signal: abort.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
    const input = Readable.fromWeb(res.body as never);
    input.on('error', () => undefined); // the abort below ends it
    const lines = createInterface({ input });
    const got: string[] = [];
    const seen = new Promise<void>((resolve) =>
      lines.on('line', (l) => {
        if (l === '') return;
        got.push((JSON.parse(l) as ApiEvent).node!);
        if (got.length === 2) resolve();
      }),
    );
    await addNode('streamed1');
    await addNode('streamed2');
    await within(seen, () => `two streamed events, got ${got.join(' ')}`);
    assert.deepEqual(got, ['streamed1', 'streamed2']);
    abort.abort();
    lines.close();
    // Clients that come and go leave nothing behind that keeps the next one from its events.
    for (let i = 0; i < 20; i++) {
      const gone = new AbortController();
      await api('/events/stream', { signal: gone.signal });
      gone.abort();
    }
    const before = await newest();
    const next = await api(`/events/stream?after=${before}`);
    const reader = next.body!.getReader();
    await addNode('after-abort');
    let text = '';
    while (!text.includes('after-abort')) text += new TextDecoder().decode((await within(reader.read(), () => `after-abort in ${text}`)).value);
    await reader.cancel();
  });

  it('muster monitor prints one line per event as it happens; --json is NDJSON; --count stops it', async () => {
    const start = await newest();
    const mon = execa(MUSTER_BIN, ['monitor', '--after', String(start), '--kind', 'node'], { env: d.env, reject: false });
    const lines: string[] = [];
    const rl = createInterface({ input: mon.stdout! });
    const three = new Promise<void>((resolve) => rl.on('line', (l) => lines.push(l) === 3 && resolve()));
    await addNode('mon1');
    await addNode('mon2');
    assert.equal((await cli(d, ['-q', '-y', 'node', 'set', 'desc', 'hello', 'mon1'])).exitCode, 0);
    await within(three, () => `three monitor lines, got ${JSON.stringify(lines)}`).finally(() => mon.kill('SIGTERM'));
    await mon;
    assert.match(lines[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} info {2}node\.added\s+mon1\s+node 'mon1' added \(02:00:00:00:0B:[0-9A-F]{2}\)$/);
    assert.match(lines[1]!, /node\.added\s+mon2 /);
    assert.match(lines[2]!, /node\.set\s+mon1\s+desc='hello'/);

    const json = await cli(d, ['monitor', '--after', String(start), '--node', 'mon*', '--json', '--count', '2']);
    assert.equal(json.exitCode, 0, json.stderr);
    assert.deepEqual(
      json.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as ApiEvent).kind),
      ['node.added', 'node.added'],
    );
  });

  it('muster monitor and stats refuse bad options with one line', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['monitor', '--since', '5x'], /--since '5x' is not a duration/],
      [['monitor', '--count', '0'], /--count '0' is not a whole number/],
      [['monitor', '--after', 'x'], /--after 'x' is not an event id/],
      [['monitor', '--level', 'loud', '--count', '1'], /querystring\.level/],
      [['stats', '--interval', '0'], /--interval '0' must be at least 1 second/],
      [['stats', '--state', 'a b'], /querystring\.state/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(d, args);
      assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });

  it('the daemon stops promptly with a stream open', async () => {
    const res = await api('/events/stream');
    const body = res.text().catch(() => 'aborted');
    const t0 = Date.now();
    await d.stop();
    await body;
    assert.ok(Date.now() - t0 < 8000, `stopped in ${Date.now() - t0} ms`);
  });
});
