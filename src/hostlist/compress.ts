/**
 * Folding names back into patterns for display: n0000…n0063 → n00[00-63].
 *
 * Names are cut into text and digit runs; names of the same shape (same text parts) fold
 * together, one digit run (dimension) at a time from the last to the first, so a full rack
 * grid folds to rack[1-4]n[01-32]. Each fold groups names that agree on every other part, which
 * keeps the result exact: expanding it gives back the input set, nothing more.
 */
import { MusterError } from '../errors.js';
import { isDigit, naturalCompare } from './natural.js';

/** Digit runs longer than this stay literal text (bracket numbers must be safe integers). */
const MAX_DIGITS = 15;
/** Characters that have a meaning in a pattern (or that the keys below use) cannot be folded. */
const SPECIAL = /[\s\x00-\x1f[\],!&^@]/;
const SEP = '\x00';

interface Entry {
  texts: string[];
  /** One per digit run: the raw digits, or once folded, the rendered set ("00[00-63]"). */
  dims: string[];
  /** The first name (in natural order) the entry stands for. */
  first: string;
}

/** The folded patterns, sorted naturally by their first name; repeats are dropped. */
export function compressList(names: readonly string[]): string[] {
  const unique = [...new Set(names)].sort(naturalCompare);
  const byShape = new Map<string, Entry[]>();
  for (const name of unique) {
    if (name === '' || SPECIAL.test(name)) {
      throw new MusterError(
        'NAME_INVALID',
        `cannot fold node name ${JSON.stringify(name)} into a pattern; ` +
          'names to fold may not be empty or contain whitespace, brackets, commas or any of !&^@',
      );
    }
    const e = split(name);
    const key = e.texts.join(SEP);
    const list = byShape.get(key);
    if (list) list.push(e);
    else byShape.set(key, [e]);
  }
  const folded: { first: string; pattern: string }[] = [];
  for (const entries of byShape.values()) {
    let current = entries;
    for (let d = (current[0]?.dims.length ?? 0) - 1; d >= 0; d--) current = foldDimension(current, d);
    for (const e of current) folded.push({ first: e.first, pattern: join(e) });
  }
  return folded.sort((a, b) => naturalCompare(a.first, b.first)).map((f) => f.pattern);
}

/** compressList joined with commas: one pattern that `expand` turns back into the names. */
export function compress(names: readonly string[]): string {
  return compressList(names).join(',');
}

function split(name: string): Entry {
  const texts: string[] = [];
  const dims: string[] = [];
  let textStart = 0;
  let i = 0;
  while (i < name.length) {
    if (!isDigit(name.charCodeAt(i))) {
      i++;
      continue;
    }
    const runStart = i;
    while (i < name.length && isDigit(name.charCodeAt(i))) i++;
    if (i - runStart <= MAX_DIGITS) {
      texts.push(name.slice(textStart, runStart));
      dims.push(name.slice(runStart, i));
      textStart = i;
    }
  }
  texts.push(name.slice(textStart));
  return { texts, dims, first: name };
}

function join(e: Entry): string {
  let s = e.texts[0]!;
  e.dims.forEach((d, i) => {
    s += d + e.texts[i + 1]!;
  });
  return s;
}

/**
 * Merges entries that differ only in dimension d (still raw digits there). Entries come in
 * order of their first name, and a group takes the place of its first member, so the order holds.
 */
function foldDimension(entries: Entry[], d: number): Entry[] {
  const groups = new Map<string, { head: Entry; values: string[] }>();
  for (const e of entries) {
    const key = e.dims.length === 1 ? '' : [...e.dims.slice(0, d), ...e.dims.slice(d + 1)].join(SEP);
    const g = groups.get(key);
    if (g) g.values.push(e.dims[d]!);
    else groups.set(key, { head: e, values: [e.dims[d]!] });
  }
  return [...groups.values()].map(({ head, values }) => {
    const dims = [...head.dims];
    dims[d] = foldNumbers(values);
    return { texts: head.texts, dims, first: head.first };
  });
}

/**
 * Renders distinct digit strings as the shortest text `expand` reads back to exactly them:
 * "5", "00[00-63]", "[8,09-11]". Numbers of one width with a leading zero must stay in ranges
 * whose bounds have that width; numbers without one may span widths ([9-11]).
 */
export function foldNumbers(values: readonly string[]): string {
  if (values.length === 1) return values[0]!;
  const width = values[0]!.length;
  if (values.every((v) => v.length === width)) {
    const common = commonPrefix(values).slice(0, width - 1);
    if (common !== '') return common + foldNumbers(values.map((v) => v.slice(common.length)));
  }
  const paddedWidths = new Set(values.filter((v) => v.length > 1 && v.startsWith('0')).map((v) => v.length));
  const classes = new Map<number, string[]>(); // width, or 0 for unpadded numbers of any width
  for (const v of values) {
    const cls = paddedWidths.has(v.length) ? v.length : 0;
    const list = classes.get(cls);
    if (list) list.push(v);
    else classes.set(cls, [v]);
  }
  const runs: string[][] = [];
  for (const list of classes.values()) {
    list.sort((a, b) => Number(a) - Number(b));
    let run = [list[0]!];
    for (const v of list.slice(1)) {
      if (Number(v) === Number(run[run.length - 1]) + 1) {
        run.push(v);
      } else {
        runs.push(run);
        run = [v];
      }
    }
    runs.push(run);
  }
  runs.sort((a, b) => naturalCompare(a[0]!, b[0]!));
  const items = runs.map((r) => (r.length === 1 ? r[0]! : `${r[0]}-${r[r.length - 1]}`));
  return `[${items.join(',')}]`;
}

function commonPrefix(values: readonly string[]): string {
  let prefix = values[0]!;
  for (const v of values) {
    let k = 0;
    while (k < prefix.length && k < v.length && prefix[k] === v[k]) k++;
    prefix = prefix.slice(0, k);
  }
  return prefix;
}
