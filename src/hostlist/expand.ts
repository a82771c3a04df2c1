import { MusterError } from '../errors.js';
import { groupValues, parsePattern, type Operand } from './parse.js';

export const DEFAULT_EXPAND_LIMIT = 1_000_000;

export interface ExpandOptions {
  /** Most names the pattern(s) may produce together (default 1,000,000), checked before any is made. */
  limit?: number;
}

/**
 * Every name a pattern describes, in the order written (bracket groups vary rightmost-fastest,
 * like nested loops from left to right), without repeats. Glob characters `*` and `?` are kept
 * as they are: a result that contains one is a glob for the caller to match.
 * Throws PATTERN_INVALID for bad syntax and PATTERN_TOO_LARGE past the limit.
 */
export function expand(pattern: string, opts: ExpandOptions = {}): string[] {
  return expandAll([pattern], opts);
}

/**
 * The names of several patterns (one request's), in order, without repeats. The limit holds for
 * all of them together: each alone under it, ten of them could still build ten times as many.
 */
export function expandAll(patterns: string[], opts: ExpandOptions = {}): string[] {
  const limit = opts.limit ?? DEFAULT_EXPAND_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`expand: limit must be a positive integer, got ${String(opts.limit)}`);
  }
  const operands = patterns.flatMap((p) => parsePattern(p));
  const total = operands.reduce((n, o) => n + o.count, 0);
  if (total > limit) {
    const what = patterns.length === 1 ? `pattern ${JSON.stringify(patterns[0])} names` : `${patterns.length} patterns name`;
    const together = patterns.length === 1 ? '' : ' together';
    const scope = patterns.length === 1 ? '' : ' for one request';
    const split = patterns.length === 1 ? 'several patterns' : 'several requests';
    throw new MusterError(
      'PATTERN_TOO_LARGE',
      `${what} ${total.toLocaleString('en-US')} nodes${together}, more than the limit of ` +
        `${limit.toLocaleString('en-US')}${scope}; narrow the ranges or split the work into ${split}`,
    );
  }
  if (operands.length === 1) {
    // One operand repeats no name: groupValues drops repeats within a group, and since the
    // text between two groups holds a non-digit, each name splits back into one value per group.
    return namesOf(operands[0]!);
  }
  const seen = new Set<string>();
  for (const o of operands) for (const name of namesOf(o)) seen.add(name);
  return [...seen];
}

function namesOf(o: Operand): string[] {
  let names = [''];
  for (const s of o.segments) {
    if (s.kind === 'text') {
      names = names.map((n) => n + s.text);
    } else {
      const values = groupValues(s.items);
      const next: string[] = new Array(names.length * values.length);
      let k = 0;
      for (const n of names) for (const v of values) next[k++] = n + v;
      names = next;
    }
  }
  return names;
}
