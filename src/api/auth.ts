import { timingSafeEqual, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { MusterError } from '../errors.js';

export const TOKEN_FILE = 'admin.token';

/** The admin token: generated at first start into statedir/admin.token (mode 0600). */
export async function ensureAdminToken(statedir: string): Promise<string> {
  const path = join(statedir, TOKEN_FILE);
  try {
    const t = (await readFile(path, 'utf8')).trim();
    if (t.length >= 32) return t;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(32).toString('base64url');
  await writeFile(path, token + '\n', { mode: 0o600 });
  return token;
}

/** Every route needs `Authorization: Bearer <token>` unless its config says `public: true`. */
export function useBearerAuth(app: FastifyInstance, token: string): void {
  const want = Buffer.from(token);
  app.addHook('onRequest', async (req) => {
    if ((req.routeOptions.config as { public?: boolean } | undefined)?.public) return;
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const got = Buffer.from(m?.[1] ?? '');
    if (!m || got.length !== want.length || !timingSafeEqual(got, want)) {
      throw new MusterError('AUTH_REQUIRED', m ? 'wrong admin token' : 'missing admin token: send Authorization: Bearer <token> (statedir/admin.token)');
    }
  });
}
