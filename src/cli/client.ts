import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrorCode, MusterError } from '../errors.js';
import { findRuntime } from '../runtime.js';

export const DEFAULT_API = 'http://127.0.0.1:8988';

export interface ClientOptions {
  api?: string | undefined;
  token?: string | undefined;
  statedir?: string | undefined;
}

/**
 * Finds the daemon and its token: --api/--token, then MUSTER_API/MUSTER_TOKEN, then the daemon.json
 * a running daemon published (for --statedir/MUSTER_STATEDIR, or the last one this user started),
 * then the default address. The token file is read from the daemon's statedir.
 */
export async function connect(o: ClientOptions, env: NodeJS.ProcessEnv = process.env): Promise<ApiClient> {
  const statedir = o.statedir ?? env.MUSTER_STATEDIR;
  const explicitApi = o.api ?? env.MUSTER_API;
  const runtime = explicitApi && !statedir ? null : await findRuntime(statedir);
  const api = explicitApi ?? runtime?.api ?? DEFAULT_API;
  let token = o.token ?? env.MUSTER_TOKEN;
  const tokenDir = runtime?.statedir ?? statedir;
  if (!token && tokenDir) token = await readFile(join(tokenDir, 'admin.token'), 'utf8').then((t) => t.trim(), () => undefined);
  return new ApiClient(api.replace(/\/+$/, ''), token);
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

export class ApiClient {
  constructor(
    readonly base: string,
    private readonly token: string | undefined,
  ) {}

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

  private async request(method: string, path: string, body?: unknown): Promise<string> {
    const url = `${this.base}/api/v1${path}`;
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
    } catch (err) {
      throw new MusterError(
        'DAEMON_UNREACHABLE',
        `the muster daemon is not running at ${this.base} (start it with: muster daemon${this.base === DEFAULT_API ? '' : ', or pass --api URL'})`,
        { cause: err },
      );
    }
    const text = await res.text();
    if (res.ok) return text;
    let problem: { code?: string; detail?: string } = {};
    try {
      problem = JSON.parse(text) as typeof problem;
    } catch {
      // not problem+json: report the status line
    }
    const code = problem.code && isErrorCode(problem.code) ? problem.code : res.status === 401 ? 'AUTH_REQUIRED' : 'INTERNAL';
    let msg = problem.detail ?? `${res.status} ${res.statusText} from ${url}`;
    if (code === 'AUTH_REQUIRED' && !this.token) msg += '; pass --token or set MUSTER_TOKEN';
    throw new MusterError(code, msg);
  }
}
