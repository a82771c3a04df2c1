import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Work on 100,000 items split into event-loop turns: between chunks the loop serves DHCP, TFTP
 * and node HTTP (issue 8 defect 6). A chunk of this many rows of the node shape takes a few ms.
 */
export const CHUNK = 2000;

/** items.forEach(fn), yielding to the event loop every CHUNK items (none for small inputs). */
export async function eachChunked<T>(items: readonly T[], fn: (item: T, index: number) => void): Promise<void> {
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % CHUNK === 0) await nextTurn();
    fn(items[i]!, i);
  }
}

/** items.map(fn), yielding to the event loop every CHUNK items (none for small inputs). */
export async function mapChunked<T, R>(items: readonly T[], fn: (item: T, index: number) => R): Promise<R[]> {
  const out = new Array<R>(items.length);
  await eachChunked(items, (item, i) => (out[i] = fn(item, i)));
  return out;
}

/**
 * A stable sort in turns: runs of CHUNK items are sorted one per turn, then merged pairwise,
 * yielding every CHUNK merged items. Same order as items.sort(cmp).
 */
export async function sortChunked<T>(items: T[], cmp: (a: T, b: T) => number): Promise<T[]> {
  if (items.length <= CHUNK) return items.sort(cmp);
  let runs: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    runs.push(items.slice(i, i + CHUNK).sort(cmp));
    await nextTurn();
  }
  let budget = CHUNK;
  while (runs.length > 1) {
    const next: T[][] = [];
    for (let r = 0; r < runs.length; r += 2) {
      const a = runs[r]!;
      const b = runs[r + 1];
      if (!b) {
        next.push(a);
        continue;
      }
      const m = new Array<T>(a.length + b.length);
      let i = 0;
      let j = 0;
      let k = 0;
      while (i < a.length && j < b.length) {
        m[k++] = cmp(b[j]!, a[i]!) < 0 ? b[j++]! : a[i++]!;
        if (--budget === 0) {
          budget = CHUNK;
          await nextTurn();
        }
      }
      while (i < a.length) m[k++] = a[i++]!;
      while (j < b.length) m[k++] = b[j++]!;
      next.push(m);
    }
    runs = next;
  }
  return runs[0]!;
}
