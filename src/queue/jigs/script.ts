import { access, constants, mkdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import { runProcess } from '../../proc/index.js';
import { jobArgEnv, perceusEnv } from './perceus-env.js';
import { ARG_KEY, JigFatalError, type Jig } from './types.js';

// Waits for the go (a line on stdin, once the group is recorded), runs the script ($0), killed if
// this shell dies, and writes its exit status to $1 (builtins only: no fork between the script's
// end and the record), exiting with it.
const RECORD_EXIT = 'read -r _ || exit 125; exec </dev/null; setpriv --pdeathsig KILL -- "$0"; s=$?; echo $s >"$1"; exit $s';

// SIGTERM first so a script can clean up; SIGKILL after this long.
const KILL_GRACE_MS = 2000;

const ScriptArgs = z
  .object({
    run: z
      .string()
      .min(1)
      .refine((p) => isAbsolute(p) || !p.split('/').includes('..'), {
        message: 'a relative path must stay inside statedir/jigs (no ".." segments)',
      }),
  })
  .catchall(z.string())
  .refine((a) => Object.keys(a).every((k) => ARG_KEY.test(k)), { message: 'arg names are letters, digits and _' });
type ScriptArgs = z.infer<typeof ScriptArgs>;

/** Runs an executable on the master for the node, in its own process group. Exit 0 = success. */
export const scriptJig: Jig<ScriptArgs> = {
  name: 'script',
  summary: 'run an executable on the master (--arg run=<path>, relative to statedir/jigs/)',
  args: ScriptArgs,
  defaultTimeoutSeconds: 3600,
  async run({ db, job, args, signal, log, ctx, onProcess, exitFile }) {
    const jigsDir = join(ctx.statedir, 'jigs');
    const path = isAbsolute(args.run) ? args.run : join(jigsDir, args.run);
    try {
      await access(path, constants.X_OK);
    } catch {
      throw new JigFatalError(`script ${path} does not exist or is not executable`);
    }
    const env = { ...(await perceusEnv(db, job.node, ctx)), ...jobArgEnv(args) };
    // The working directory is statedir/jigs even for an absolute path; a fresh statedir has none.
    await mkdir(jigsDir, { recursive: true });
    // One decoder per stream, so a character split between two chunks stays whole.
    const text = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
    // The group's leader, a shell, dies with the daemon and the script with the shell (the kernel
    // kills a process when its parent dies); the script starts only once the group is recorded,
    // so what is left of it is found and killed by the next daemon on this host. A script that
    // ends first has its exit status written down, so that daemon ends the job with it rather
    // than run it again.
    const r = await runProcess('setpriv', {
      args: ['--pdeathsig', 'KILL', '--', '/bin/sh', '-c', RECORD_EXIT, path, exitFile],
      gate: (s) => onProcess(s.pid),
      env,
      cwd: jigsDir,
      signal,
      graceMs: KILL_GRACE_MS,
      onChunk: (chunk, from) => log.append(text[from].write(chunk)),
    });
    if (r.ended === 'exit' && r.exitCode === 0) return { kind: 'succeeded', result: { exitCode: 0 } };
    const how = r.exitSignal
      ? `was killed by ${r.exitSignal}`
      : r.exitCode === null
        ? 'did not exit after SIGKILL'
        : r.exitCode === 125
          ? 'was not started (its processes could not be recorded)'
          : `exited with status ${r.exitCode}`;
    return { kind: 'failed', error: `script ${args.run} ${how}` };
  },
};
