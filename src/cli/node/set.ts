import type { Command } from 'commander';
import { MusterError } from '../../errors.js';
import { inBatches } from '../batches.js';
import { confirmList, type ApiSelection } from '../format.js';
import { exactly, foldNames, noNodes, patternHelp, select, verb, type Noun } from '../select.js';

const KEYS = 'hostname, group, vnfs, enabled, debug, desc, bootenv, ipaddr';

/** `node set KEY VALUE PATTERN…` in batches with progress (also Perceus's old `KEY=VALUE PATTERN…`, with a warning). */
export function command(noun: Noun, product: string): Command {
  return verb('set', 'Set a field on nodes', product, async (cli, args) => {
    let [key, value, ...targets] = args as [string, string | undefined, ...string[]];
    const eq = key.indexOf('=');
    if (eq > 0) {
      cli.warn(`'${key}' is the old KEY=VALUE syntax; write: ${noun} set ${key.slice(0, eq)} ${key.slice(eq + 1)} …`);
      targets = value === undefined ? targets : [value, ...targets];
      value = key.slice(eq + 1);
      key = key.slice(0, eq);
    }
    if (value === undefined || targets.length === 0) {
      throw new MusterError('REQUEST_INVALID', `usage: ${noun} set KEY VALUE ${noun === 'group' ? 'GROUP' : 'PATTERN'}… (keys: ${KEYS})`);
    }
    const sel = await select(cli, noun, targets);
    if (sel.nodes.length === 0) throw noNodes();
    if (!(await cli.confirm(`${confirmList(sel.nodes)}\n\nAre you sure you wish to set ${key}='${value}' on ${sel.nodes.length} nodes?`))) {
      return cli.info('Nothing set.');
    }
    const client = await cli.client();
    const missing: string[] = [];
    // Every batch checks the same value: its warnings once.
    const warnings = new Set<string>();
    const nodes = await inBatches(cli, 'setting nodes', `set ${key}='${value}'`, sel.nodes, async (batch) => {
      const done = await client.post<ApiSelection & { warnings: string[] }>('/nodes/set', { select: exactly(batch), key, value });
      missing.push(...done.missing);
      for (const w of done.warnings) warnings.add(w);
      return done.nodes;
    });
    for (const w of warnings) cli.warn(w);
    if (cli.g.json) return cli.json({ nodes, missing, warnings: [...warnings] });
    cli.info(`'${nodes.length}' nodes set ${key}='${value}': ${foldNames(nodes.map((n) => n.name))}`);
  })
    .argument('<key>', `one of: ${KEYS}`)
    .argument('[value]')
    .argument(noun === 'group' ? '[groups...]' : '[nodes...]')
    .addHelpText('after', patternHelp(noun));
}
