import type { Logger } from 'pino';
import { isTransientDbError, type Db } from '../db/index.js';
import { isMusterError, MusterError, type ErrorCode } from '../errors.js';
import { addEvent, type NewEvent } from '../events/index.js';
import { addNode, getNodeByMac, macNodeId, recordContact, type Node, type NodeDefaults } from '../nodes/index.js';
import { plainAddress } from './env.js';
import { FairLimiter } from './fair-limiter.js';
import { errorScript, framed, retryScript } from './framing.js';
import { renderNodescript, type Rendered, type RenderOptions } from './render.js';

/**
 * How long a node's request keeps retrying a transient database failure (pool exhausted, server
 * restarting) before the node is handed a retry script. The node sees keepalive lines meanwhile.
 */
const DB_WAIT_MS = 15_000;

export interface NodescriptServiceOptions {
  db: Db;
  log: Logger;
  render: Omit<RenderOptions, 'log'>;
  /** global cap on concurrently rendering requests (each runs its modules one at a time) */
  concurrency: number;
  /** values for nodes auto-added on `init` */
  defaults: NodeDefaults;
  /**
   * The one hook for shell text appended to a rendered script, e.g. the jig queue's node tasks
   * on `ready`: `(node, state) => state === 'ready' ? takeNodeTasks(db, node.mac) : { text: '' }`.
   */
  appendForState?: (node: Node, state: string) => Promise<Appendix>;
}

/** Text for the end of a script, and what to do once it is known whether the script was written. */
export interface Appendix {
  text: string;
  settle?: (written: boolean) => Promise<void>;
}

export interface ScriptRequest {
  state: string;
  /** canonical MAC */
  mac: string;
  nodename?: string | undefined;
  /** name@revision of the VNFS the node runs (sent by the overlay) */
  vnfs?: string | undefined;
  /** the peer address the request came from */
  ip: string | null;
  proto: 'http' | '987';
}

export interface ScriptReply {
  ok: boolean;
  /** framed `# NODESCRIPT START` … `# NODESCRIPT END`; a short failing script when !ok */
  script: Buffer;
  code?: ErrorCode;
  reason?: string;
  node?: string;
  ms: number;
  /**
   * The transport calls this once the script was written to the node (true: every byte reached
   * the OS) or could not be (false): node tasks in it count as handed only then.
   */
  settle(written: boolean): void;
}

/**
 * Answers a node's request for a state, whatever the transport: finds (or on `init` adds) the
 * node, records the contact, renders under the global cap (identical concurrent requests from
 * one node share one render) and always returns a script — never throws.
 */
export class NodescriptService {
  readonly limiter: FairLimiter;
  private readonly inflight = new Map<string, Promise<Rendered>>();
  private readonly log: Logger;

  constructor(private readonly opts: NodescriptServiceOptions) {
    this.limiter = new FairLimiter(opts.concurrency);
    this.log = opts.log;
  }

  get db(): Db {
    return this.opts.db;
  }

  async provide(req: ScriptRequest): Promise<ScriptReply> {
    const started = performance.now();
    const ms = (): number => Math.round((performance.now() - started) * 1000) / 1000;
    const deadline = Date.now() + DB_WAIT_MS;
    let node: Node | null = null;
    let extra: Appendix = { text: '' };
    try {
      node = await this.contact(req, deadline);
      await this.event(
        {
          kind: 'nodescript.request',
          node: node.name,
          mac: req.mac,
          message: `${node.name} asks for ${req.state} over ${req.proto}`,
          data: { state: req.state, proto: req.proto, ip: plainAddress(req.ip) },
        },
        deadline,
      );
      const rendered = await this.coalesced(node, req);
      for (const f of rendered.failures) {
        await this.event(
          {
            kind: 'module.failed',
            level: 'warn',
            node: node.name,
            mac: req.mac,
            message: `module ${f.module} exited ${f.exitCode} for ${node.name} (${req.state}); its output was used`,
            data: { state: req.state, module: f.module, exitCode: f.exitCode },
          },
          deadline,
        );
      }
      const append = this.opts.appendForState;
      if (append) extra = await retryTransient(deadline, () => append(node!, req.state));
      const { text } = extra;
      const script = framed(text === '' ? rendered.body : Buffer.concat([rendered.body, Buffer.from(text.endsWith('\n') ? text : text + '\n')]));
      const took = ms();
      await this.event(
        {
          kind: 'nodescript.done',
          node: node.name,
          mac: req.mac,
          message: `${node.name} provisioned ${req.state} in ${took.toFixed(1)} ms (${rendered.modules} modules)`,
          data: { state: req.state, proto: req.proto, ms: took, modules: rendered.modules, bytes: script.length },
        },
        deadline,
      );
      return { ok: true, script, node: node.name, ms: took, settle: (written) => this.settle(extra, written) };
    } catch (err) {
      if (isTransientDbError(err)) {
        // A shortage, not a fault of this request: the node asks again (no event: the database is what is short).
        const reason = `the master's database is busy or restarting (${(err as Error).message}); asking again shortly`;
        this.log.warn({ err, mac: req.mac, state: req.state }, 'nodescript deferred: database busy');
        this.settle(extra, false);
        return { ok: false, script: retryScript(reason), code: 'DB_BUSY', reason, ms: ms(), settle: () => undefined, ...(node ? { node: node.name } : {}) };
      }
      const code: ErrorCode = isMusterError(err) ? err.code : 'INTERNAL';
      const reason = isMusterError(err) ? err.message : 'internal error rendering the nodescript; see the master log';
      if (!isMusterError(err)) this.log.error({ err, mac: req.mac, state: req.state }, 'nodescript failed');
      const kind = code === 'MODULE_TIMEOUT' ? 'module.timeout' : 'nodescript.failed';
      await this.event({
        kind,
        level: 'error',
        node: node?.name ?? null,
        mac: req.mac,
        message: `${node?.name ?? macNodeId(req.mac)} (${req.state}): ${reason}`,
        data: { state: req.state, proto: req.proto, code, ms: ms() },
      });
      // A failure after the appendix was taken: the node never gets it.
      this.settle(extra, false);
      return { ok: false, script: errorScript(reason), code, reason, ms: ms(), settle: () => undefined, ...(node ? { node: node.name } : {}) };
    }
  }

  private settle(extra: Appendix, written: boolean): void {
    extra.settle?.(written).catch((err: unknown) => this.log.error({ err, written }, 'could not record the delivery of a script'));
  }

  /** `log <msg>` from a node (Perceus's "Message from <host>"): to the log and the event stream. */
  async nodeLog(mac: string | null, ip: string | null, message: string): Promise<void> {
    const node = mac ? await getNodeByMac(this.opts.db, mac).catch(() => null) : null;
    const who = node?.name ?? (mac ? macNodeId(mac) : plainAddress(ip) || 'unknown');
    this.log.info({ node: node?.name, mac, ip }, `message from ${who}: ${message}`);
    await this.event({ kind: 'node.log', node: node?.name ?? null, mac, message: `message from ${who}: ${message}`, data: { ip: plainAddress(ip) } });
  }

  /** Records the contact and returns the node; on `init` an unknown node is added first. */
  private async contact(req: ScriptRequest, deadline: number): Promise<Node> {
    const seen = { status: req.state, from: plainAddress(req.ip) || null, vnfs: req.vnfs };
    const found = await retryTransient(deadline, () => recordContact(this.opts.db, req.mac, seen));
    if (found) return found;
    await retryTransient(deadline, () => this.add(req));
    const added = await retryTransient(deadline, () => recordContact(this.opts.db, req.mac, seen));
    if (!added) throw new MusterError('NODE_NOT_FOUND', `node ${macNodeId(req.mac)} was deleted while it was being added`);
    return added;
  }

  private async add(req: ScriptRequest): Promise<void> {
    const id = macNodeId(req.mac);
    if (req.state !== 'init') {
      throw new MusterError('NODE_NOT_FOUND', `node ${id} is not registered; nodes are added when they ask for init, or add it with 'muster node add ${id}'`);
    }
    try {
      await addNode(this.opts.db, { mac: req.mac, name: req.nodename }, this.opts.defaults);
    } catch (err) {
      // Two first requests raced: the other one added it.
      if (isMusterError(err) && err.code === 'NODE_EXISTS') return;
      if (isTransientDbError(err)) throw err;
      const why = isMusterError(err) ? err.message : String(err);
      throw new MusterError(isMusterError(err) ? err.code : 'INTERNAL', `could not add node ${id} to the registry: ${why}`, { cause: err });
    }
  }

  private coalesced(node: Node, req: ScriptRequest): Promise<Rendered> {
    const key = `${req.mac}|${req.state}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.limiter
      .run(req.mac, () => renderNodescript({ state: req.state, node, ipaddr: req.ip }, { ...this.opts.render, log: this.log }))
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** Events are the record, but a failing insert must not cost the node its script. */
  async event(e: NewEvent, deadline = Date.now() + DB_WAIT_MS): Promise<void> {
    try {
      await retryTransient(deadline, () => addEvent(this.opts.db, e));
    } catch (err) {
      this.log.error({ err, kind: e.kind }, 'could not record event');
    }
  }
}

/** Runs fn, again after a short jittered backoff while it fails transiently and time is left. */
async function retryTransient<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
  for (let delay = 25; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransientDbError(err) || Date.now() + delay > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
    }
  }
}
