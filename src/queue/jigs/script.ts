import { access, constants, mkdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import { runProcess } from '../../proc/index.js';
import { jobArgEnv, perceusEnv } from './perceus-env.js';
import { ARG_KEY, JigFatalError, type Jig } from './types.js';

// The group's leader, a shell that records the script's exit status. It waits for the go (a
// line on stdin, once the group is recorded), runs the script ($0) in the background, killed if
// this shell is killed, and writes its exit status to $1 before exiting with it (re-raising a
// signal that ended the script, so the daemon sees the signal). A SIGTERM (the daemon's abort,
// systemd's stop) goes on to the script, and the shell waits for it to end; a script so stopped
// that does not exit 0 is recorded as `stopped <status>`. The shell does not die with the
// daemon: the script runs to its end, and the next daemon on this host ends the job with the
// recorded status rather than run it again. (A script stopped at a random moment could have
// done all its work but not yet exited: only letting it end is free of that window.)
const RECORD_EXIT = [
  'read -r _ || exit 125; exec </dev/null',
  // (the shell's own words, such as dash's "Terminated", must not go to a dead daemon's pipe: SIGPIPE)
  'setpriv --pdeathsig KILL -- "$0" & c=$!; exec >/dev/null 2>&1',
  "t=; trap 't=1; kill -TERM $c 2>/dev/null' TERM",
  'wait $c; s=$?',
  // a wait cut short by the trapped signal: the script is still there
  'while kill -0 $c 2>/dev/null; do wait $c; s=$?; done',
  'if [ $s -ne 0 ] && [ -n "$t" ]; then echo "stopped $s"; else echo $s; fi >"$1"',
  '[ $s -gt 128 ] && trap - TERM && kill -s "$(kill -l $s)" $$ 2>/dev/null',
  'exit $s',
].join('\n');

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
    // The script starts only once the group is recorded, so that a daemon on this host that
    // outlives this one finds it, waits for it and reads its exit status (src/queue/reaper.ts).
    const r = await runProcess('/bin/sh', {
      args: ['-c', RECORD_EXIT, path, exitFile],
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
