/**
 * `npm run bench -- <name>` runs bench/<name>.ts; with no name it lists them. Benchmarks are
 * hand-run, print their figures (and a peer's from the same run), and are never part of npm test.
 */
import { readdir } from 'node:fs/promises';
import { execa } from 'execa';

const dir = new URL('.', import.meta.url);
const names = (await readdir(dir)).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.slice(0, -3));
const wanted = process.argv.slice(2);
if (wanted.length === 0) {
  process.stdout.write(`benchmarks: ${names.join(', ')}\nrun one: npm run bench -- <name>\n`);
} else {
  for (const name of wanted) {
    if (!names.includes(name)) throw new Error(`no benchmark '${name}'; have: ${names.join(', ')}`);
    await execa('node', ['--import', 'tsx', new URL(`${name}.ts`, dir).pathname], { stdio: 'inherit' });
  }
}
