/**
 * Hostlist speed: expand and compress against clustershell's nodeset on the same inputs, in the
 * same run. nodeset's figures include its Python start-up, shown apart as "nodeset start".
 * Run: npx tsx bench/hostlist.ts  (needs the Debian package clustershell for the ratios)
 */
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { compress, expand } from '../src/hostlist/index.js';
import { median } from './lib/median.js';
import { patternGenerator } from '../test/hostlist/random-patterns.js';

const ROUNDS = 5;

const timed = (run: () => unknown): Promise<number> => median(run, ROUNDS);

async function haveNodeset(): Promise<boolean> {
  return execa('nodeset', ['--version'], { reject: false }).then(
    (r) => r.exitCode === 0,
    () => false,
  );
}

function line(what: string, ours: number, peer?: number): void {
  const peerText = peer === undefined ? '' : `  nodeset ${peer.toFixed(1)} ms  ratio ${(peer / ours).toFixed(1)}x`;
  console.log(`${what.padEnd(44)} muster ${ours.toFixed(1)} ms${peerText}`);
}

export default async function main(): Promise<void> {
  const peer = await haveNodeset();
  if (!peer) console.log('nodeset not found (Debian package clustershell): muster figures only');
  const nodesetRun = (args: string[], input?: string) => (peer ? timed(() => execa('nodeset', args, { input })) : undefined);

  const start = await nodesetRun(['-e', 'n1']);
  if (start !== undefined) console.log(`nodeset start (nodeset -e n1): ${start.toFixed(1)} ms`);

  const grid = 'rack[1-100]n[0001-1000]';
  line(`expand ${grid} (100,000)`, await timed(() => expand(grid)), await nodesetRun(['-e', grid]));

  const million = 'n[0000000-0999999]';
  line(`expand ${million} (1,000,000)`, await timed(() => expand(million)));

  const names = expand(grid);
  const holes = names.filter((_, k) => k % 7 !== 3);
  line('compress 100,000-name grid', await timed(() => compress(names)), await nodesetRun(['-f'], `${names.join('\n')}\n`));
  line('compress the grid less every 7th name', await timed(() => compress(holes)), await nodesetRun(['-f'], `${holes.join('\n')}\n`));

  const gen = patternGenerator(1);
  const patterns = Array.from({ length: 600 }, () => gen.operands().join(','));
  const count = patterns.reduce((n, p) => n + expand(p).length, 0);
  line(
    `expand 600 random patterns (${count.toLocaleString('en-US')} names)`,
    await timed(() => {
      for (const p of patterns) expand(p);
    }),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
