import { MusterError } from '../errors.js';

/** A node name is one DNS label: it becomes a hostname, a path component and a shell word. */
const NODE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/** Group, VNFS and bootenv names: Perceus's `[A-Za-z0-9._-]`, never `.`/`..`, never a path. */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isValidNodeName(s: string): boolean {
  return NODE_NAME.test(s);
}

export function checkNodeName(s: string): string {
  if (!isValidNodeName(s)) {
    throw new MusterError('NAME_INVALID', `'${s}' is not a valid node name: use letters, digits and '-' (not first or last), at most 63 characters`);
  }
  return s;
}

export function isValidLabel(s: string): boolean {
  return LABEL.test(s);
}

export function checkLabel(what: string, s: string): string {
  if (!isValidLabel(s)) {
    throw new MusterError(
      'NAME_INVALID',
      `'${s}' is not a valid ${what} name: start with a letter or digit, then letters, digits, '.', '_' or '-' (at most 64)`,
    );
  }
  return s;
}

export interface NameTemplate {
  prefix: string;
  width: number;
  suffix: string;
}

/** Parses a defaults.conf `Node Name` template such as `n####` or `rack1-n###.ib`. */
export function parseTemplate(template: string): NameTemplate {
  const m = /^([^#]+)(#+)([^#]*)$/.exec(template);
  if (!m) {
    throw new MusterError('CONFIG_INVALID', `node name template '${template}' must look like prefix###suffix, e.g. n####`);
  }
  return { prefix: m[1]!, width: m[2]!.length, suffix: m[3]! };
}

export function formatName(t: NameTemplate, n: number): string {
  return t.prefix + String(n).padStart(t.width, '0') + t.suffix;
}

/** The number a name stands for under the template, or null when the name is not one of its names. */
export function nameNumber(t: NameTemplate, name: string): number | null {
  if (!name.startsWith(t.prefix) || !name.endsWith(t.suffix)) return null;
  const digits = name.slice(t.prefix.length, name.length - t.suffix.length);
  if (!/^\d+$/.test(digits)) return null;
  const n = Number(digits);
  return formatName(t, n) === name ? n : null;
}

/** Refused rather than hand out a duplicate, as Perceus did when its range was full. */
export function namesExhausted(first: number, last: number, count: number): MusterError {
  return new MusterError('NAMES_EXHAUSTED', `no free node names left in ${first}..${last} for ${count} new node(s); raise 'Total Nodes' or widen 'Node Name'`);
}
