import { open, readFile, unlink, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MusterError } from '../errors.js';
import { isProcessAlive } from '../pid.js';

export interface Lock {
  release(): Promise<void>;
}

/**
 * Exclusive lock on an embedded data dir: an O_EXCL pid file beside it. A stale file (its pid is
 * gone) is taken over; a live holder's lock is never stolen.
 */
export async function acquireLock(dataDir: string): Promise<Lock> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, '..', `${basename(dataDir)}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return {
        async release() {
          const holder = await readPid(path);
          if (holder === process.pid) await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = await readPid(path);
      if (holder !== null && isProcessAlive(holder)) {
        throw new MusterError(
          'DB_LOCKED',
          `embedded database ${dataDir} is in use by process ${holder} (lock ${path}); ` +
            `stop that daemon first, or use another --statedir`,
        );
      }
      await unlink(path).catch(() => undefined);
    }
  }
  throw new MusterError('DB_LOCKED', `could not take the lock ${path}`);
}

function basename(p: string): string {
  return p.replace(/\/+$/, '').split('/').pop() ?? p;
}

async function readPid(path: string): Promise<number | null> {
  try {
    const n = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}
