/**
 * Module changes run one at a time in a daemon: two activations racing over one .installed
 * file would each write back the list without the other's role. (Several daemons sharing a
 * statedir are not a supported setup: the embedded database refuses it already.)
 */
let tail: Promise<unknown> = Promise.resolve();

export function serially<T>(fn: () => Promise<T>): Promise<T> {
  const run = tail.then(fn, fn);
  tail = run.catch(() => undefined);
  return run;
}
