/**
 * Parser for node range patterns: `n00[00-63]`, `rack[1-4]n[01-32]`, `n1,n[3-4]`.
 *
 * The rules follow clustershell's `nodeset` (the oracle in the tests): every bracket group
 * expands, top-level commas separate patterns, items are `N`, `N-M` or `N-M/STEP`, and a bound
 * written with a leading zero fixes the width of every number in its range. Where clustershell
 * accepts something surprising, muster refuses it with an error instead (see `parseItem`).
 */
import { MusterError } from '../errors.js';

/** One bracket item: the numbers start, start+step, … ≤ end, zero-padded to `width` (0: none). */
export interface RangeItem {
  start: number;
  end: number;
  step: number;
  width: number;
}

export type Segment = { kind: 'text'; text: string } | { kind: 'group'; items: RangeItem[] };

/** One top-level operand of a pattern (the part between top-level commas). */
export interface Operand {
  segments: Segment[];
  /** Upper bound of the names it produces (overlapping items counted twice). */
  count: number;
}

/** Characters that are clustershell set operators or group references; muster has neither. */
const UNSUPPORTED = /[!&^@]/;
const ITEM = /^(\d+)(?:-(\d+))?(?:\/(\d+))?$/;

/** Where in a pattern, counting characters from 1 as people do. */
function at(index: number): string {
  return `character ${index + 1}`;
}

export function patternError(pattern: string, problem: string, fix: string): MusterError {
  return new MusterError('PATTERN_INVALID', `invalid pattern ${JSON.stringify(pattern)}: ${problem}; ${fix}`);
}

/** Splits a pattern into its top-level operands and parses each. Throws PATTERN_INVALID. */
export function parsePattern(pattern: string): Operand[] {
  if (pattern === '') throw patternError(pattern, 'it is empty', 'give a node name or range such as n[01-04]');
  const space = /\s/.exec(pattern);
  if (space) {
    throw patternError(pattern, `whitespace at ${at(space.index)}`, 'give several patterns as separate arguments or join them with commas');
  }
  const op = UNSUPPORTED.exec(pattern);
  if (op) {
    throw patternError(
      pattern,
      `"${op[0]}" at ${at(op.index)} is a clustershell operator muster does not support`,
      'list the wanted names with ranges and commas instead',
    );
  }
  const operands: Operand[] = [];
  let segments: Segment[] = [];
  let text = '';
  let i = 0;
  const endOperand = (end: number): void => {
    if (text !== '') segments.push({ kind: 'text', text });
    if (segments.length === 0) {
      const where = end === pattern.length ? 'at the end' : `before ${at(end)}`;
      throw patternError(pattern, `empty name ${where}`, 'remove the extra comma');
    }
    const count = segments.reduce((n, s) => (s.kind === 'group' ? n * groupCount(s.items) : n), 1);
    operands.push({ segments, count });
    segments = [];
    text = '';
  };
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === ',') {
      endOperand(i);
    } else if (c === ']') {
      throw patternError(pattern, `"]" at ${at(i)} has no matching "["`, 'remove it or add the missing "["');
    } else if (c === '[') {
      const close = findClose(pattern, i);
      // Only digits between two groups would make the numbers ambiguous (clustershell agrees).
      if (segments.length > 0 && /^\d*$/.test(text)) {
        throw patternError(
          pattern,
          `bracket group at ${at(i)} follows the previous group with no letter between`,
          'put a non-digit between the groups, as in rack[1-2]n[01-04]',
        );
      }
      const items = parseGroup(pattern, pattern.slice(i + 1, close));
      const crossing = /\d$/.test(text) ? widthChange(items) : undefined;
      if (crossing !== undefined) {
        // clustershell glues such digits onto the bounds (x1[5-12] is x15..x112, not x15..x19,
        // x110..x112), so the pattern means different things to the two: refuse it.
        throw patternError(
          pattern,
          `digits before the group at ${at(i)} with numbers running from ${crossing - 1} to ${crossing} inside it are ambiguous`,
          'split the group where the width changes (n1[5-9],n1[10-12]) or move the digits inside (n[15-19,110-112])',
        );
      }
      if (text !== '') segments.push({ kind: 'text', text });
      text = '';
      segments.push({ kind: 'group', items });
      i = close;
    } else {
      text += c;
    }
    i++;
  }
  endOperand(i);
  return operands;
}

function findClose(pattern: string, open: number): number {
  for (let j = open + 1; j < pattern.length; j++) {
    if (pattern[j] === ']') return j;
    if (pattern[j] === '[') {
      throw patternError(
        pattern,
        `"[" at ${at(j)} is nested inside the group opened at ${at(open)}`,
        'brackets cannot nest; write separate groups such as rack[1-2]n[1-4]',
      );
    }
  }
  throw patternError(pattern, `"[" at ${at(open)} is never closed`, 'add the missing "]"');
}

function parseGroup(pattern: string, body: string): RangeItem[] {
  if (body === '') throw patternError(pattern, 'empty brackets "[]"', 'put numbers or ranges inside, such as [1-4,7]');
  return body.split(',').map((item) => parseItem(pattern, body, item));
}

function parseItem(pattern: string, body: string, item: string): RangeItem {
  if (item === '') {
    throw patternError(pattern, `empty item in "[${body}]"`, 'remove the extra comma');
  }
  const m = ITEM.exec(item);
  if (!m) {
    // clustershell reads "-5" as a negative number; node numbers are never negative.
    throw patternError(pattern, `"${item}" is not a number or range`, 'brackets take numbers N, ranges N-M or stepped ranges N-M/STEP, such as [01-08,12]');
  }
  const [, first, last, stepText] = m as unknown as [string, string, string | undefined, string | undefined];
  if (stepText !== undefined && last === undefined) {
    throw patternError(pattern, `step in "${item}" without a range`, 'write a range with the step, such as 1-9/2');
  }
  const padded = (s: string): boolean => s.length > 1 && s.startsWith('0');
  const end = last ?? first;
  // clustershell reads [0-00] as [0]; muster treats any leading zero as padding, so it is refused.
  if ((padded(first) || padded(end)) && first.length !== end.length) {
    throw patternError(
      pattern,
      `the bounds of "${item}" have different zero-padded widths`,
      `write both with the same number of digits, such as ${first.padStart(end.length, '0')}-${end.padStart(first.length, '0')}` +
        ` (or ${Number(first)}-${Number(end)} without padding)`,
    );
  }
  const start = toNumber(pattern, first);
  const stop = toNumber(pattern, end);
  const step = stepText === undefined ? 1 : toNumber(pattern, stepText);
  if (stop < start) {
    throw patternError(pattern, `range "${item}" runs backwards`, `write the lower bound first: ${end}-${first}`);
  }
  if (step < 1) throw patternError(pattern, `step 0 in "${item}"`, 'use a step of 1 or more');
  return { start, end: stop, step, width: padded(first) || padded(end) ? first.length : 0 };
}

function toNumber(pattern: string, digits: string): number {
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) {
    throw patternError(
      pattern,
      `number ${digits} is too large`,
      `numbers in brackets go up to ${Number.MAX_SAFE_INTEGER}; write longer digit runs outside the brackets`,
    );
  }
  return n;
}

/** The first power of ten p such that the group holds both p-1 and p without padding, if any. */
function widthChange(items: RangeItem[]): number | undefined {
  const holds = (v: number): boolean => items.some((r) => r.width === 0 && v >= r.start && v <= r.end && (v - r.start) % r.step === 0);
  for (let p = 10; p <= Number.MAX_SAFE_INTEGER; p *= 10) if (holds(p - 1) && holds(p)) return p;
  return undefined;
}

function itemCount(r: RangeItem): number {
  return Math.floor((r.end - r.start) / r.step) + 1;
}

function groupCount(items: RangeItem[]): number {
  return items.reduce((n, r) => n + itemCount(r), 0);
}

/** The names of one group, in the order written, without repeats. */
export function groupValues(items: RangeItem[]): string[] {
  const values: string[] = [];
  for (const r of items) {
    for (let v = r.start; v <= r.end; v += r.step) values.push(r.width ? String(v).padStart(r.width, '0') : String(v));
  }
  // Only several items can repeat a number; the set costs more than the numbers themselves.
  return items.length === 1 ? values : [...new Set(values)];
}
