import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { cli, MUSTER_BIN } from '../helpers/daemon.js';
import { requireOrSkip } from '../helpers/require.js';
import { seededDaemon } from './seeded-daemon.js';

// Nodes n0000..n0009 registered before the tests.
const REGISTERED = 10;
const noScript = requireOrSkip(!existsSync('/usr/bin/script') && 'script (util-linux) not installed: no pseudo-terminal for the progress test');

/** A node file of `count` lines `MAC NAME`; MACs 02:<tag>:…, names <prefix><i> padded to `width`. */
async function nodeFile(dir: string, tag: number, prefix: string, count: number, width: number, extra = ''): Promise<string> {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  const lines = Array.from(
    { length: count },
    (_, i) => `02:${hex(tag)}:00:${hex(i >> 16)}:${hex((i >> 8) & 255)}:${hex(i & 255)} ${prefix}${String(i).padStart(width, '0')}`,
  );
  const file = join(dir, `${prefix}.txt`);
  await writeFile(file, lines.join('\n') + '\n' + extra);
  return file;
}

describe('bulk CLI verbs: progress line on a terminal, summary or -v lines, batches (issue 9 defect 9)', () => {
  const f = seededDaemon(REGISTERED);

  /** The CLI on a pseudo-terminal (util-linux script): stdout and stderr as the terminal shows them. */
  const onTty = async (args: string[]) => {
    const line = [MUSTER_BIN, ...args].map((a) => `'${a}'`).join(' ');
    const r = await execa('script', ['-qc', line, '/dev/null'], { env: f.d.env, extendEnv: true, input: '', reject: false, stripFinalNewline: false });
    return { exitCode: r.exitCode, out: String(r.stdout) };
  };

  it('adds more than 20 nodes with one summary line, -v gives a line per node, 20 still get a line each', async () => {
    const summary = await cli(f.d, ['node', 'add', '--file', await nodeFile(f.d.statedir, 0xb0, 'b', 30, 2)]);
    assert.equal(summary.exitCode, 0, summary.stderr);
    assert.equal(summary.stdout, '30 nodes added: b[00-29]\n');
    assert.equal(summary.stderr, '', 'no progress line off a terminal');
    const verbose = await cli(f.d, ['node', 'add', '-v', '--file', await nodeFile(f.d.statedir, 0xc0, 'c', 30, 2)]);
    assert.equal(verbose.exitCode, 0, verbose.stderr);
    const lines = verbose.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 30);
    assert.equal(lines[0], "Node 'c00' has been added to muster (02:C0:00:00:00:00)");
    assert.equal(lines[29], "Node 'c29' has been added to muster (02:C0:00:00:00:1D)");
    const twenty = await cli(f.d, ['node', 'add', '--file', await nodeFile(f.d.statedir, 0xe0, 'e', 20, 2)]);
    assert.equal(twenty.stdout.trimEnd().split('\n').length, 20);
  });

  it('shows a progress line on a terminal while adding, setting and deleting 6,000 nodes (two batches)', { skip: noScript }, async () => {
    const add = await onTty(['node', 'add', '--file', await nodeFile(f.d.statedir, 0xd0, 'd', 6000, 4)]);
    assert.equal(add.exitCode, 0, add.out.slice(0, 500));
    // Drawn at the start and at the end, each rewriting the line; cleared before the summary.
    assert.match(
      add.out,
      /^\radding nodes: 0\/6000\x1b\[K(\radding nodes: 5000\/6000\x1b\[K)?\radding nodes: 6000\/6000\x1b\[K\r\x1b\[K6000 nodes added: d\[0000-5999\]\r\n$/,
    );
    const set = await onTty(['node', 'set', 'desc', 'rack 9', 'd*', '-y']);
    assert.equal(set.exitCode, 0, set.out.slice(0, 500));
    assert.match(set.out, /\rsetting nodes: 0\/6000\x1b\[K.*\rsetting nodes: 6000\/6000\x1b\[K\r\x1b\[K'6000' nodes set desc='rack 9': d\[0000-5999\]\r\n$/s);
    const del = await onTty(['node', 'delete', 'd*', '-y']);
    assert.equal(del.exitCode, 0, del.out.slice(0, 500));
    assert.match(del.out, /\rdeleting nodes: 6000\/6000\x1b\[K\r\x1b\[K'6000' nodes have been deleted: d\[0000-5999\]\r\n$/);
    const quiet = await onTty(['-q', 'node', 'add', '--file', await nodeFile(f.d.statedir, 0xd1, 'q', 30, 2)]);
    assert.equal(quiet.exitCode, 0, quiet.out.slice(0, 500));
    assert.equal(quiet.out, '', '-q: no progress line either');
  });

  it('off a terminal a bulk set prints only its summary, no control characters', async () => {
    const r = await cli(f.d, ['node', 'set', 'desc', 'rack 7', 'c*', '-y']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, "'30' nodes set desc='rack 7': c[00-29]\n");
    assert.equal(r.stderr, '');
  });

  it('refuses a file listing a NodeID twice, even batches apart, naming both lines, and adds none', async () => {
    const file = await nodeFile(f.d.statedir, 0xf0, 'f', 6000, 4, '02:f0:00:00:00:00 again\n');
    const r = await cli(f.d, ['node', 'add', '--file', file]);
    assert.equal(r.exitCode, 4, r.stderr);
    assert.equal(r.stderr, `muster: ${file}:6001: NodeID 02:F0:00:00:00:00 is listed twice (also at ${file}:1); nothing added (NODE_EXISTS)\n`);
    const named = await cli(f.d, ['node', 'add', '--file', await nodeFile(f.d.statedir, 0xf1, 'g', 30, 2, '02:f1:ff:00:00:00 g07\n')]);
    assert.equal(named.exitCode, 4, named.stderr);
    assert.match(named.stderr, /g\.txt:31: node name 'g07' is listed twice \(also at .*g\.txt:8\); nothing added \(NAME_TAKEN\)\n$/);
    assert.equal((await cli(f.d, ['node', 'list', 'f*', 'g*'])).stdout, '');
  });

  it('says which batches were added when a later one fails (each batch is all or none)', async () => {
    // Line 5,001 (the second batch) names a NodeID the registry holds already.
    const file = await nodeFile(f.d.statedir, 0xa0, 'h', 5000, 4, `${f.macs[7]} h5000\n02:a0:00:ff:00:00 h5001\n`);
    const r = await cli(f.d, ['node', 'add', '--file', file]);
    assert.equal(r.exitCode, 4, r.stderr);
    assert.match(
      r.stderr,
      /^muster: NodeID '.+' already exists as node 'n0007'; node not added; 5000 of 5002 nodes were added before this \(h\[0000-4999\]\), the rest were not \(NODE_EXISTS\)\n$/,
    );
    assert.equal((await cli(f.d, ['node', 'list', 'h*'])).stdout.split('\n').filter(Boolean).length, 5000);
  });
});
