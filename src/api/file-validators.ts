/**
 * Validators of a served file and the conditional-request rules of RFC 9110 §13 that use them.
 * An image artifact's ETag is its sha256 (strong: the same tag means the same bytes, so a node
 * may resume with If-Range); it comes from the sidecar the build wrote (images/sidecar.ts), read
 * once per file identity and kept in memory, never from the database per request. Any other file
 * gets a weak tag from size and mtime, which If-Range never accepts.
 */
import type { BigIntStats } from 'node:fs';
import { readSha256Sidecar } from '../images/index.js';

export interface Validators {
  etag: string;
  strong: boolean;
  lastModified: string;
  /** whole seconds, as Last-Modified carries it */
  mtimeSeconds: number;
  mtimeMs: number;
}

const CACHE_MAX = 4096;
/** (dev, ino, size, mtime) → sha256: a new build, a copy or an edit is a new key. */
const sums = new Map<string, string>();

export async function fileValidators(path: string, st: BigIntStats): Promise<Validators> {
  const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
  let sha = sums.get(key) ?? null;
  if (sha === null) {
    // Misses are not remembered: a sidecar may appear a moment after its artifact is first asked for.
    sha = await readSha256Sidecar(path, { size: st.size, mtimeNs: st.mtimeNs });
    if (sha !== null) {
      if (sums.size >= CACHE_MAX) sums.delete(sums.keys().next().value!);
      sums.set(key, sha);
    }
  }
  const mtimeSeconds = Number(st.mtimeNs / 1_000_000_000n);
  return {
    etag: sha === null ? `W/"${st.size.toString(16)}-${st.mtimeNs.toString(16)}"` : `"${sha}"`,
    strong: sha !== null,
    lastModified: new Date(mtimeSeconds * 1000).toUTCString(),
    mtimeSeconds,
    mtimeMs: Number(st.mtimeNs / 1_000_000n),
  };
}

const opaque = (tag: string): string => tag.replace(/^W\//, '');

/** If-None-Match (weak comparison, `*` matches any) or, without it, If-Modified-Since: true → 304. */
export function notModified(v: Validators, ifNoneMatch: string | undefined, ifModifiedSince: string | undefined): boolean {
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    return ifNoneMatch.split(',').some((t) => opaque(t.trim()) === opaque(v.etag));
  }
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && v.mtimeSeconds * 1000 <= since;
}

/**
 * Whether a Range may be honoured: with no If-Range, yes; with one, only if it names exactly this
 * representation (a strong ETag compared strongly, or the Last-Modified date itself). Otherwise
 * the client gets the whole file, never the tail of new bytes spliced onto its old ones.
 */
export function rangeApplies(v: Validators, ifRange: string | undefined): boolean {
  if (ifRange === undefined) return true;
  const t = ifRange.trim();
  if (t.startsWith('"') || t.startsWith('W/')) return v.strong && t === v.etag;
  // A date is a strong validator only if the file was not changed within the second it names (§8.8.2.2).
  return t === v.lastModified && Date.now() - v.mtimeMs >= 1000;
}
