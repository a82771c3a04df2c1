import { isErrorCode, MusterError } from '../errors.js';
import { describeDaemon, discover, type Discovered, type DiscoverOptions } from './discover.js';

/** Finds the daemon (discover.ts) and returns a client for its admin API. */
export async function connect(o: DiscoverOptions, env: NodeJS.ProcessEnv = process.env): Promise<ApiClient> {
  return new ApiClient(await discover(o, env));
}

type Query = Record<string, string | string[] | boolean | undefined>;

function withQuery(path: string, query: Query | undefined): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === false) continue;
    for (const item of Array.isArray(v) ? v : [v === true ? '1' : v]) qs.append(k, item);
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** A refused token, and where the right one is. */
function authMessage(d: Discovered, serverSaid: string): string {
  const right = d.daemon
    ? `the daemon's token is in ${d.daemon.statedir}/admin.token`
    : `the daemon at ${d.api} keeps its token in admin.token in its statedir (pass that --statedir)`;
  const used = d.token === undefined ? `cannot read ${d.tokenFrom}` : `token from ${d.tokenFrom}`;
  return `${serverSaid} (${used}); ${right}, which the CLI reads unless --token or MUSTER_TOKEN is given`;
}

export class ApiClient {
  constructor(readonly daemon: Discovered) {}

  /** `http://…, statedir …, pid …`: the daemon this client talks to. */
  describe(): string {
    return describeDaemon(this.daemon);
  }

  async get<T>(path: string, query?: Query): Promise<T> {
    return JSON.parse(await this.request('GET', withQuery(path, query))) as T;
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return JSON.parse(await this.postText(path, body)) as T;
  }

  /** A POST whose route answers text (exports of a selection). */
  postText(path: string, body: unknown): Promise<string> {
    return this.request('POST', path, body);
  }

  /**
   * A POST whose route answers NDJSON as it works (imports): each line to `onLine` as it comes.
   * Aborting `signal` closes the connection, which the daemon takes as a cancel.
   */
  async stream(path: string, body: unknown, onLine: (value: unknown) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.fetch('POST', path, body, signal);
    if (!res.ok) await this.fail(res, await res.text());
    let rest = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      rest += decoder.decode(chunk, { stream: true });
      const lines = rest.split('\n');
      rest = lines.pop()!;
      for (const l of lines) if (l.trim() !== '') onLine(JSON.parse(l));
    }
    if (rest.trim() !== '') onLine(JSON.parse(rest));
  }

  private async fetch(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    const url = `${this.daemon.api}/api/v1${path}`;
    const headers: Record<string, string> = {};
    if (this.daemon.token) headers.authorization = `Bearer ${this.daemon.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(url, { method, headers, body: body === undefined ? null : JSON.stringify(body), signal: signal ?? null });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new MusterError('DAEMON_UNREACHABLE', this.daemon.unreachable, { cause: err });
    }
  }

  private async request(method: string, path: string, body?: unknown): Promise<string> {
    const res = await this.fetch(method, path, body);
    const text = await res.text();
    if (res.ok) return text;
    return this.fail(res, text);
  }

  private fail(res: Response, text: string): never {
    const url = res.url;
    let problem: { code?: string; detail?: string } = {};
    try {
      problem = JSON.parse(text) as typeof problem;
    } catch {
      // not problem+json: report the status line
    }
    const code = problem.code && isErrorCode(problem.code) ? problem.code : res.status === 401 ? 'AUTH_REQUIRED' : 'INTERNAL';
    const msg = problem.detail ?? `${res.status} ${res.statusText} from ${url}`;
    throw new MusterError(code, code === 'AUTH_REQUIRED' ? authMessage(this.daemon, msg.replace(/:.*$/s, '')) : msg);
  }
}
