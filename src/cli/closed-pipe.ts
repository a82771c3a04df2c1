/**
 * `muster node list | head -1`: when the reader closes the pipe, end as coreutils do — killed by
 * SIGPIPE, silently (the shell shows status 141) — instead of an unhandled EPIPE stack trace.
 * Node ignores SIGPIPE and turns it into an EPIPE 'error' on the stream; a listener added and
 * removed again hands SIGPIPE back its default action, so the signal then ends the process.
 */
function dieOfSigpipe(): never {
  const none = (): void => undefined;
  process.on('SIGPIPE', none).off('SIGPIPE', none);
  process.kill(process.pid, 'SIGPIPE');
  // Not reached while the signal's default action is in place; the shell's number for it otherwise.
  process.exit(128 + 13);
}

/** Installs the handler on stdout and stderr; other stream errors stay fatal as before. */
export function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') dieOfSigpipe();
      throw err;
    });
  }
}
