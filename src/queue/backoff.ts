/**
 * Delay before retry `attempt + 1`: exponential from `baseMs`, capped, with jitter (50–100 % of
 * the step) so jobs that failed together do not retry in lockstep.
 */
export function retryDelayMs(attempt: number, baseMs: number, capMs = 10 * 60_000): number {
  const step = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return step * (0.5 + Math.random() * 0.5);
}
