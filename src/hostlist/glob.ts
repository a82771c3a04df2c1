/**
 * Globs over node names: `*` matches any run of characters (also none), `?` exactly one, and
 * every other character only itself. Perceus passed the rest through as regex syntax, so `.`
 * matched anything and `|` split the pattern; here they are plain characters.
 */
export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** An anchored RegExp for the whole name. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (const c of pattern) {
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += c.replace(/[\\^$.|+()[\]{}]/, '\\$&');
  }
  // s: a name never holds a newline, but if it did, * and ? must still match it. u: ? is one code point.
  return new RegExp(`^${source}$`, 'su');
}
