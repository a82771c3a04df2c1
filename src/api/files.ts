import { close, createReadStream, fstat, open } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { MusterError } from '../errors.js';
import { isInside } from '../paths.js';
import { fileValidators, notModified, rangeApplies, type Validators } from './file-validators.js';
import type { TransferGate } from './transfer-gate.js';

export interface FilesRoutesOptions {
  statedir: string;
  /** top-level folders of statedir that nodes may read */
  folders?: string[];
  /** more folders, each served from a directory of its own (e.g. tftp → the TFTP root) */
  dirs?: Record<string, string>;
  /** the bound on concurrent image transfers ('http image transfers'); none = unbounded */
  imageTransfers?: TransferGate;
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

const openFd = (path: string) => promisify(open)(path, 'r');
const closeFd = promisify(close);
const fstatBig = (fd: number) => promisify(fstat)(fd, { bigint: true });

/** A file this big is an image transfer (kernel, vnfs.img, initramfs): bounded by the gate. */
export const IMAGE_TRANSFER_MIN_BYTES = 1024 * 1024;
/** Bytes read per chunk: fewer reads and fewer buffers to collect in a storm; each transfer in flight holds about this much. */
const READ_CHUNK = 1024 * 1024;

/**
 * GET and HEAD /files/<path>: files under statedir's allowed folders (vnfs/, files/), for getfile
 * and for nodes fetching their image. ETag (the artifact's sha256, file-validators.ts),
 * If-None-Match and If-Modified-Since → 304, Range with If-Range. Each response streams from
 * the descriptor opened for it: a file renamed over or deleted mid-download keeps sending the
 * bytes the download started with. Image transfers wait their turn at `imageTransfers`.
 */
export function filesRoutes(opts: FilesRoutesOptions): (app: FastifyInstance) => Promise<void> {
  const folders = [...(opts.folders ?? ['vnfs', 'files']), ...Object.keys(opts.dirs ?? {})];
  const dirOf = (folder: string) => opts.dirs?.[folder] ?? join(opts.statedir, folder);
  const resolveFile = async (segments: string[]): Promise<string> => {
    const dir = dirOf(segments[0]!);
    const root = await realpath(dir).catch(() => null);
    const real = await realpath(join(dir, ...segments.slice(1))).catch(() => null);
    if (root === null || real === null) throw new MusterError('FILE_NOT_FOUND', `no file /files/${segments.join('/')}`);
    // A symlink may point anywhere; what it resolves to must still be inside the folder.
    if (!isInside(root, real)) throw new MusterError('FILE_PATH_INVALID', `refused /files/${segments.join('/')}: it resolves outside ${segments[0]}/`);
    return real;
  };
  return async (app) => {
    app.route({
      method: ['GET', 'HEAD'],
      url: '/files/*',
      handler: async (req, reply) => {
        const segments = filePathSegments(req.raw.url ?? '', folders);
        const notFound = (): MusterError => new MusterError('FILE_NOT_FOUND', `no file /files/${segments.join('/')}`);
        const real = await resolveFile(segments);
        const h = req.headers;
        const notModifiedReply = (v: Validators) => reply.code(304).header('etag', v.etag).header('last-modified', v.lastModified).send();
        const before = await stat(real, { bigint: true });
        if (!before.isFile()) throw notFound();
        // A node whose copy is current is answered without queueing behind the downloads.
        const seen = await fileValidators(real, before);
        if (notModified(seen, h['if-none-match'], h['if-modified-since'])) return notModifiedReply(seen);
        if (opts.imageTransfers && req.method === 'GET' && before.size >= IMAGE_TRANSFER_MIN_BYTES) {
          const granted = await waitForSlot(opts.imageTransfers, reply.raw);
          if (!granted) return reply.hijack(); // the client left while it waited
        }
        const fd = await openFd(real).catch(() => null);
        if (fd === null) throw notFound();
        let streaming = false;
        try {
          const st = await fstatBig(fd);
          const v = await fileValidators(real, st);
          // While it waited the file may have become what the client already has.
          if (notModified(v, h['if-none-match'], h['if-modified-since'])) return notModifiedReply(v);
          const size = Number(st.size);
          reply.header('accept-ranges', 'bytes').header('etag', v.etag).header('last-modified', v.lastModified).type('application/octet-stream');
          const ifRange = h['if-range'];
          const range = parseRange(rangeApplies(v, typeof ifRange === 'string' ? ifRange : undefined) ? h.range : undefined, size);
          if (range === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${size}`).send();
          const { start, end } = range ?? { start: 0, end: size - 1 };
          if (range !== null) reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`);
          reply.header('content-length', end - start + 1);
          if (req.method === 'HEAD' || size === 0) return reply.send();
          streaming = true;
          // The stream owns the descriptor from here (closed at its end, on error, or when the client goes).
          // A plain-fd stream: a FileHandle's stream pays a promise per read and serves a storm at half the rate.
          return reply.send(createReadStream('', { fd, start, end, highWaterMark: READ_CHUNK }));
        } finally {
          if (!streaming) await closeFd(fd);
        }
      },
    });
  };
}

/** Waits for a transfer slot, released when the response closes (sent or aborted); false if the client left first. */
async function waitForSlot(gate: TransferGate, res: ServerResponse): Promise<boolean> {
  const left = new AbortController();
  let release: (() => void) | null = null;
  res.once('close', () => {
    left.abort(new Error('client closed the connection while waiting for a transfer slot'));
    release?.();
  });
  try {
    release = await gate.acquire(left.signal);
  } catch {
    return false;
  }
  if (left.signal.aborted) release();
  return !left.signal.aborted;
}
