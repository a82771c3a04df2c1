/**
 * Admin-defined bootenvs: `statedir/bootenvs/<name>.ipxe`, an iPXE script with placeholders for
 * node fields. Placeholder syntax: `{{field}}` (letters only, e.g. `{{name}}`, `{{baseurl}}`).
 * iPXE's own variables are `${...}` and iPXE never gives `{{` a meaning, so the two cannot
 * collide: `${net0/mac}` passes through untouched for iPXE to expand at boot time. An unknown
 * `{{field}}` is an error (a typo must not boot a node with an empty kernel argument).
 */
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { isValidLabel } from '../../nodes/index.js';

/** Largest template read; a bigger file is refused rather than served. */
export const MAX_TEMPLATE_BYTES = 64 * 1024;

export type Fields = Readonly<Record<string, string>>;

export type Substituted = { ok: true; script: string } | { ok: false; error: string };

const PLACEHOLDER = /\{\{([A-Za-z]+)\}\}/g;

export function substitute(template: string, fields: Fields): Substituted {
  if (Buffer.byteLength(template) > MAX_TEMPLATE_BYTES) return { ok: false, error: `template is larger than ${MAX_TEMPLATE_BYTES} bytes` };
  if (!/^#!ipxe\s/.test(template)) return { ok: false, error: 'template does not start with #!ipxe' };
  const unknown = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((f) => !Object.hasOwn(fields, f));
  if (unknown.length > 0) {
    return { ok: false, error: `template uses unknown field {{${unknown[0]}}}, known: ${Object.keys(fields).join(' ')}` };
  }
  const used = [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
  // A newline in a value (a node's desc, say) would add iPXE commands of its own.
  const unsafe = used.find((f) => /[\x00-\x1f\x7f]/.test(fields[f]!));
  if (unsafe !== undefined) return { ok: false, error: `node field ${unsafe} holds a control character and cannot go into a script` };
  return { ok: true, script: template.replace(PLACEHOLDER, (_, f: string) => fields[f]!) };
}

/**
 * The text of `statedir/bootenvs/<name>.ipxe`, or null when there is no such file. The name must
 * be a valid label (callers check first; this refuses again so no path can be built from it).
 */
export async function loadBootenvTemplate(statedir: string, name: string): Promise<string | null> {
  if (!isValidLabel(name)) return null;
  let file: FileHandle;
  try {
    file = await open(join(statedir, 'bootenvs', `${name}.ipxe`), 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    // One byte past the limit is enough for substitute() to see the file is too big.
    const buf = Buffer.alloc(MAX_TEMPLATE_BYTES + 1);
    const { bytesRead } = await file.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
}
