/**
 * Seeded random node patterns for the clustershell oracle test and the benchmark: prefixes,
 * suffixes, 1–3 bracket groups, padded and unpadded widths, comma lists, steps, single numbers
 * and top-level comma lists. Every pattern is valid for both muster and clustershell.
 */

/** mulberry32: a tiny PRNG whose sequence depends only on the seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PatternGenerator {
  /** One pattern as a list of top-level operands (join with "," for the pattern itself). */
  operands(): string[];
  /** A random part of a list, roughly `share` of it, in the original order. */
  subset<T>(list: readonly T[], share: number): T[];
}

export function patternGenerator(seed: number): PatternGenerator {
  const rnd = seededRandom(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[int(0, list.length - 1)]!;
  const text = (min: number, max: number): string => {
    let s = '';
    for (let n = int(min, max); n > 0; n--) s += pick(['n', 'node', 'r', 'c', 'x', '-', '.', 'ab', '0', '7']);
    return s;
  };

  // Keeps each group small enough that a 3-group product stays in the low thousands.
  const item = (span: number, fixedWidth?: number): string => {
    const width = fixedWidth ?? pick([0, 0, 1, 2, 2, 3, 4]);
    const max = width === 0 ? 120 : 10 ** width - 1;
    const start = int(0, max);
    const fmt = (v: number): string => (width === 0 ? String(v) : String(v).padStart(width, '0'));
    if (rnd() < 0.3) return fmt(start);
    const end = Math.min(max, start + int(0, span));
    const step = rnd() < 0.1 ? `/${int(1, 4)}` : '';
    return `${fmt(start)}-${fmt(end)}${step}`;
  };
  // After a digit, one width for the whole group: digits followed by numbers that change width
  // (x1[5-12]) mean different things to muster and clustershell, and both refuse or differ.
  const group = (span: number, afterDigit: boolean): string => {
    const width = afterDigit ? int(1, 4) : undefined;
    const items: string[] = [];
    for (let n = int(1, 3); n > 0; n--) items.push(item(span, width));
    return `[${items.join(',')}]`;
  };
  const operand = (): string => {
    const groups = int(1, 3);
    const span = groups === 1 ? 200 : groups === 2 ? 25 : 8;
    let s = text(0, 2);
    // Groups need a non-digit between them (digits alone there are ambiguous: both refuse them).
    for (let g = 0; g < groups; g++) {
      if (g > 0) s += pick(['n', '-', '.', 'ab']) + text(0, 1);
      s += group(span, /\d$/.test(s));
    }
    s += text(0, 2);
    // clustershell refuses digits right after a stepped group (n[1-9/2]0); muster reads them.
    return /\[[^\]]*\/[^\]]*\]\d/.test(s) ? operand() : s;
  };
  return {
    operands: () => {
      const out = [operand()];
      while (rnd() < 0.2) out.push(rnd() < 0.3 ? text(1, 3) : operand());
      return out;
    },
    subset: (list, share) => list.filter(() => rnd() < share),
  };
}
