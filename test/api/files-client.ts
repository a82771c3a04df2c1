/**
 * The files route in process (fastify + filesRoutes on loopback) and a plain node:http client that
 * can pause a download half-way, for the serving tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { filesRoutes } from '../../src/api/files.js';
import { useProblems } from '../../src/api/problem.js';
import type { TransferGate } from '../../src/api/transfer-gate.js';

export interface FilesServer {
  statedir: string;
  base: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function filesServer(imageTransfers?: TransferGate): Promise<FilesServer> {
  const statedir = await mkdtemp(join(tmpdir(), 'muster-files-'));
  const app = Fastify();
  useProblems(app);
  await app.register(filesRoutes({ statedir, ...(imageTransfers ? { imageTransfers } : {}) }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return {
    statedir,
    base,
    app,
    async close() {
      await app.close();
      await rm(statedir, { recursive: true, force: true });
    },
  };
}

/** Sends a request and resolves on its response head; the body is left to read (or not). */
export function open(url: string, headers: Record<string, string> = {}, method = 'GET'): { response: Promise<IncomingMessage>; abort(): void } {
  const req = request(url, { method, headers, agent: false });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  req.end();
  return { response, abort: () => req.destroy() };
}

export async function body(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A whole request: status, headers and body. */
export async function fetchRaw(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await open(url, headers, method).response;
  return { status: res.statusCode, headers: res.headers, body: await body(res) };
}
