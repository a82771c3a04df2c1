import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { MusterError } from '../errors.js';
import { isInside } from '../paths.js';

export interface FilesRoutesOptions {
  statedir: string;
  /** top-level folders of statedir that nodes may read */
  folders?: string[];
  /** more folders, each served from a directory of its own (e.g. tftp → the TFTP root) */
  dirs?: Record<string, string>;
}

/**
 * The path segments of a /files URL, decoded one by one so that an encoded `/`, `..` or NUL is
 * seen for what it is. Anything but plain names under an allowed folder is refused.
 */
export function filePathSegments(rawUrl: string, folders: string[]): string[] {
  const path = rawUrl.split('?')[0]!.replace(/^\/files\//, '');
  const segments = path.split('/').map((s) => {
    let d: string;
    try {
      d = decodeURIComponent(s);
    } catch {
      throw new MusterError('FILE_PATH_INVALID', `'${s.slice(0, 64)}' is not valid percent-encoding`);
    }
    if (d === '' || d === '.' || d === '..' || /[/\\\0]/.test(d)) {
      throw new MusterError('FILE_PATH_INVALID', `refused path '/files/${path.slice(0, 200)}': only plain names under ${folders.join('/, ')}/`);
    }
    return d;
  });
  if (segments.length < 2 || !folders.includes(segments[0]!)) {
    throw new MusterError(
      'FILE_PATH_INVALID',
      `refused path '/files/${path.slice(0, 200)}': files are served from ${folders.map((f) => f + '/').join(' and ')} only`,
    );
  }
  return segments;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → inclusive [start, end]; null = serve it whole; 'unsatisfiable'. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  if (header === undefined) return null;
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // several ranges or junk: RFC 9110 lets us ignore it
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** GET /files/<path>: files under statedir's allowed folders (vnfs/, files/), with Range, for getfile. */
export function filesRoutes(opts: FilesRoutesOptions): (app: FastifyInstance) => Promise<void> {
  const folders = [...(opts.folders ?? ['vnfs', 'files']), ...Object.keys(opts.dirs ?? {})];
  const dirOf = (folder: string) => opts.dirs?.[folder] ?? join(opts.statedir, folder);
  return async (app) => {
    app.get('/files/*', async (req, reply) => {
      const segments = filePathSegments(req.raw.url ?? '', folders);
      const notFound = (): MusterError => new MusterError('FILE_NOT_FOUND', `no file /files/${segments.join('/')}`);
      const dir = dirOf(segments[0]!);
      const root = await realpath(dir).catch(() => null);
      const real = await realpath(join(dir, ...segments.slice(1))).catch(() => null);
      if (root === null || real === null) throw notFound();
      // A symlink may point anywhere; what it resolves to must still be inside the folder.
      if (!isInside(root, real)) throw new MusterError('FILE_PATH_INVALID', `refused /files/${segments.join('/')}: it resolves outside ${segments[0]}/`);
      const st = await stat(real);
      if (!st.isFile()) throw notFound();
      reply.header('accept-ranges', 'bytes').header('last-modified', st.mtime.toUTCString()).type('application/octet-stream');
      const range = parseRange(req.headers.range, st.size);
      if (range === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${st.size}`).send();
      if (range === null) return reply.header('content-length', st.size).send(createReadStream(real));
      return reply
        .code(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${st.size}`)
        .header('content-length', range.end - range.start + 1)
        .send(createReadStream(real, { start: range.start, end: range.end }));
    });
  };
}
