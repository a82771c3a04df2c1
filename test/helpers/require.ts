/**
 * The one way a test says "this needs X": `requireOrSkip(reason)` gives the `{ skip }` value.
 * Locally a missing peer (Postgres, root, netns, QEMU, a Debian tool) skips with its reason; under
 * CI (`CI=true` or `MUSTER_REQUIRE_PEERS=1`) it throws, so the test file fails naming what is
 * missing: a CI run that passes by skipping tests nothing.
 */

export const PEERS_REQUIRED = process.env.CI === 'true' || process.env.MUSTER_REQUIRE_PEERS === '1';

export class MissingPeerError extends Error {
  override name = 'MissingPeerError';
}

/** `reason` is what is missing (null/false/'' when nothing is). Returns the skip value. */
export function requireOrSkip(reason: string | null | false | undefined): string | false {
  if (!reason) return false;
  if (PEERS_REQUIRED) throw new MissingPeerError(`required under CI (CI=true or MUSTER_REQUIRE_PEERS=1) but missing: ${reason}`);
  return reason;
}
