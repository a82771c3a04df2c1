/**
 * The one way a test waits for something to happen: poll a state, event or output until it holds,
 * bounded, failing with what was waited for and the last value seen. A fixed sleep before a check
 * passes on a fast machine and fails on a loaded one.
 */

/** Polls `fn()` every 25 ms until `ok(value)` holds (by default: is truthy); throws after `ms` with the last value. */
export async function until<T>(what: string, fn: () => Promise<T> | T, ok: (v: T) => boolean = Boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await fn();
  while (!ok(v)) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
    v = await fn();
  }
  return v;
}
