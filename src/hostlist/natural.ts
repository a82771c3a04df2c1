/**
 * Natural order for node names: digit runs compare by value (`n2` before `n10`), everything else
 * by UTF-16 code unit (no locale). Names equal by value (`n1`, `n01`) fall back to plain code
 * unit order, so the order is total and `naturalCompare(a, b) === 0` only when `a === b`.
 */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      const ea = digitRunEnd(a, i);
      const eb = digitRunEnd(b, j);
      const d = compareDigits(a.slice(i, ea), b.slice(j, eb));
      if (d !== 0) return d;
      i = ea;
      j = eb;
    } else {
      if (ca !== cb) return ca - cb;
      i++;
      j++;
    }
  }
  const rest = a.length - i - (b.length - j);
  if (rest !== 0) return rest;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A sorted copy (stable; the input is left alone). */
export function naturalSort(names: readonly string[]): string[] {
  return [...names].sort(naturalCompare);
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function digitRunEnd(s: string, from: number): number {
  let k = from;
  while (k < s.length && isDigit(s.charCodeAt(k))) k++;
  return k;
}

/** Compares two digit strings by value, without parsing, so any length works. */
function compareDigits(x: string, y: string): number {
  const sx = x.replace(/^0+/, '');
  const sy = y.replace(/^0+/, '');
  if (sx.length !== sy.length) return sx.length - sy.length;
  return sx < sy ? -1 : sx > sy ? 1 : 0;
}
