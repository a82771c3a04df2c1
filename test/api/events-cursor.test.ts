/**
 * The events cursor under concurrent writers (issue 8, defect 14). Event ids are taken at insert,
 * not at commit: a reader must not move past an event whose transaction is still open, and must
 * see every event exactly once however writers interleave.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import type { ApiDeps } from '../../src/api/deps.js';
import { eventsRoutes } from '../../src/api/events.js';
import { buildNodeApi } from '../../src/api/server.js';
import { addEvent } from '../../src/events/index.js';
import { silentLogger } from '../../src/log.js';
import { describeEachBackend, freshDb, type TestDb } from '../helpers/db.js';
import { until } from '../helpers/until.js';

interface Page {
  events: { id: number; kind: string; message: string }[];
  cursor: string;
}

async function serve(t: TestDb): Promise<{ app: FastifyInstance; base: string }> {
  // The events routes with the API's zod and problem handling, without its token.
  const app = await buildNodeApi({ db: t.db, log: silentLogger() } as unknown as ApiDeps, [eventsRoutes]);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
}

await describeEachBackend('events cursor with concurrent writers', (kind) => {
  let t: TestDb;
  let app: FastifyInstance;
  let base: string;
  before(async () => {
    t = await freshDb(kind);
    ({ app, base } = await serve(t));
  });
  after(async () => {
    await app.close();
    await t.cleanup();
  });
  const list = async (query: string): Promise<Page> => (await fetch(`${base}/events?${query}`)).json() as Promise<Page>;

  // PGlite has one session: no transaction is open while another commits, so this is Postgres's case.
  if (kind === 'postgres')
    it('does not pass an event of a transaction that is still open; returns it once it commits', async () => {
      const [a, b] = [new pg.Client({ connectionString: t.url }), new pg.Client({ connectionString: t.url })];
      await a.connect();
      await b.connect();
      try {
        let cursor = (await list('after=now')).cursor;
        const seen: string[] = [];
        const read = async (): Promise<string[]> => {
          const page = await list(`after=${cursor}&kind=test.*`);
          cursor = page.cursor;
          seen.push(...page.events.map((e) => e.message));
          return seen;
        };
        // B holds an older transaction id than A, but inserts its event after A's: a higher id.
        await b.query('BEGIN');
        await b.query('SELECT pg_current_xact_id()');
        await a.query('BEGIN');
        await a.query(`INSERT INTO events (kind, message) VALUES ('test.open', 'a')`);
        await b.query(`INSERT INTO events (kind, message) VALUES ('test.open', 'b')`);
        await b.query('COMMIT');
        await until("B's event", read, (s) => s.includes('b'));
        assert.deepEqual(seen, ['b'], "A's event is not visible yet");
        await a.query('COMMIT');
        await until("A's event", read, (s) => s.includes('a'));
        assert.deepEqual(seen, ['b', 'a'], 'each once');
      } finally {
        await a.query('ROLLBACK').catch(() => undefined);
        await a.end();
        await b.end();
      }
    });

  it('a cursor reader and the NDJSON stream see every event of interleaved writers exactly once', async () => {
    const WRITERS = 4;
    const TXNS = 40;
    const start = (await list('after=now')).cursor;
    const streamed: string[] = [];
    const ctl = new AbortController();
    const stream = fetch(`${base}/events/stream?after=${start}&kind=test.stress`, { signal: ctl.signal })
      .then(async (r) => {
        const dec = new TextDecoder();
        let buf = '';
        for await (const chunk of r.body!) {
          buf += dec.decode(chunk as Uint8Array, { stream: true });
          for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line.trim()) streamed.push((JSON.parse(line) as { message: string }).message);
          }
        }
      })
      .catch((err: unknown) => {
        if ((err as Error).name !== 'AbortError') throw err;
      });
    const writers =
      t.url === undefined
        ? Array.from({ length: WRITERS }, () => null)
        : await Promise.all(
            Array.from({ length: WRITERS }, async () => {
              const c = new pg.Client({ connectionString: t.url });
              await c.connect();
              return c;
            }),
          );
    const pause = () => new Promise((r) => setTimeout(r, Math.random() * 15));
    // Each transaction inserts two events with a pause between, so commits land out of id order.
    const write = async (w: number): Promise<void> => {
      for (let i = 0; i < TXNS; i++) {
        const c = writers[w];
        const msgs = [`${w}/${i}/0`, `${w}/${i}/1`];
        if (c === null || c === undefined) {
          await t.db.tx(async (q) => {
            for (const m of msgs) await addEvent(q, { kind: 'test.stress', message: m });
          });
        } else {
          await c.query('BEGIN');
          await c.query(`INSERT INTO events (kind, message) VALUES ('test.stress', $1)`, [msgs[0]]);
          await pause();
          await c.query(`INSERT INTO events (kind, message) VALUES ('test.stress', $1)`, [msgs[1]]);
          await c.query('COMMIT');
        }
        await pause();
      }
    };
    const polled: string[] = [];
    let cursor = start;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const page = await list(`after=${cursor}&kind=test.stress&limit=7&wait=1`);
        cursor = page.cursor;
        polled.push(...page.events.map((e) => e.message));
      }
    })();
    const timeout = setTimeout(() => ctl.abort(), 120_000);
    try {
      await Promise.all(Array.from({ length: WRITERS }, (_, w) => write(w)));
      await until(
        'the cursor reader to catch up',
        async () => polled.length,
        (n) => n >= WRITERS * TXNS * 2,
        60_000,
      );
      await until(
        'the stream to catch up',
        async () => streamed.length,
        (n) => n >= WRITERS * TXNS * 2,
        60_000,
      );
      polling = false;
      await poll;
      // One more read: nothing is delivered twice after the last event either.
      polled.push(...(await list(`after=${cursor}&kind=test.stress`)).events.map((e) => e.message));
    } finally {
      polling = false;
      clearTimeout(timeout);
      ctl.abort();
      await stream;
      for (const c of writers) await c?.end();
    }
    const expected = Array.from({ length: WRITERS * TXNS * 2 }, (_, k) => `${Math.floor(k / (TXNS * 2))}/${Math.floor(k / 2) % TXNS}/${k % 2}`).sort();
    assert.deepEqual([...polled].sort(), expected, 'cursor reader: every event once');
    assert.deepEqual([...streamed].sort(), expected, 'stream: every event once');
  });
});
