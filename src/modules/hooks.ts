import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { MusterError } from '../errors.js';
import { runProcess } from '../proc/index.js';
import { moduleDir } from './names.js';

/** A module's own scripts: `install <name>` after import, `activate <roles…>` after linking. */
export type Hook = 'install' | 'activate';

/** Hooks print instructions for the admin: the CLI shows up to this much of it. */
const OUTPUT_MAX = 64 * 1024;
const HOOK_TIMEOUT_MS = 120_000;

/**
 * Runs the hook when the module has it executable (Perceus's `-x` test), through the one process
 * runner, in the module's directory, with Perceus's STATEDIR and STATES and a plain PATH. A
 * non-zero exit (or its deadline) is MODULE_HOOK_FAILED with what it printed; the caller undoes
 * its step. Returns the hook's output ('' when there is no hook).
 */
export async function runHook(statedir: string, name: string, hook: Hook, args: string[], states: string[]): Promise<string> {
  const dir = moduleDir(statedir, name);
  const path = join(dir, hook);
  if (
    !(await access(path, constants.X_OK).then(
      () => true,
      () => false,
    ))
  )
    return '';
  const out: Buffer[] = [];
  let kept = 0;
  const r = await runProcess(path, {
    args,
    cwd: dir,
    env: {
      PATH: '/bin:/usr/bin:/sbin:/usr/sbin',
      STATEDIR: statedir.endsWith('/') ? statedir : statedir + '/',
      STATES: states.join(' '),
    },
    signal: AbortSignal.timeout(HOOK_TIMEOUT_MS),
    onChunk: (chunk) => {
      const room = OUTPUT_MAX - kept;
      if (room <= 0) return;
      out.push(chunk.subarray(0, room));
      kept += Math.min(room, chunk.length);
    },
  });
  const output = Buffer.concat(out).toString('utf8');
  if (r.ended === 'aborted') throw new MusterError('MODULE_HOOK_FAILED', `${path} ran past ${HOOK_TIMEOUT_MS / 1000} s and was killed${tail(output)}`);
  if (r.exitCode !== 0) throw new MusterError('MODULE_HOOK_FAILED', `${path} exited ${r.exitCode ?? r.exitSignal}${tail(output)}`);
  return output;
}

function tail(output: string): string {
  const last = output.trim().split('\n').slice(-5).join(' | ');
  return last ? `: ${last.slice(-500)}` : '';
}
