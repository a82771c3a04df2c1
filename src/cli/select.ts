import { Command } from 'commander';
import { MusterError } from '../errors.js';
import { compress, HELP as PATTERN_HELP } from '../hostlist/index.js';
import { makeCli, type Cli } from './context.js';
import { progress } from './progress.js';
import type { ApiNode, ApiSelection } from './format.js';

/** Node verbs serve both nouns: `node <verb> PATTERN…` and `group <verb> GROUP…` (exact names). */
export type Noun = 'node' | 'group';

/** Resolves the arguments through the daemon; unknown names are warnings, as in Perceus. */
export async function select(cli: Cli, noun: Noun, args: string[]): Promise<ApiSelection> {
  const p = progress(cli, 'selecting nodes');
  const sel = await (await cli.client()).post<ApiSelection>('/nodes/select', selection(cli, noun, args)).finally(() => p.end());
  const what = noun === 'group' ? 'group' : 'node';
  if (sel.missing.length === 1) cli.warn(`${what} '${sel.missing[0]}' not found`);
  // Folded, so a range with 60 unknown names is one line, not 60.
  else if (sel.missing.length > 1) cli.warn(`${sel.missing.length} ${what}s not found: ${foldNames(sel.missing)}`);
  return sel;
}

/**
 * The arguments as a POST /nodes/select body. Never a query string: a URL holds ~1,200 names
 * (HTTP 431), a body any number a command line can.
 */
export function selection(cli: Cli, noun: Noun, args: string[]): { patterns: string[]; nodeid: boolean; groups: string[] } {
  return noun === 'group' ? { patterns: [], nodeid: false, groups: args } : { patterns: args, nodeid: cli.g.nodeid ?? false, groups: [] };
}

/** A body that acts on exactly the nodes the admin confirmed, whatever changed meanwhile. */
export function exactly(nodes: ApiNode[]): { patterns: string[]; nodeid: true } {
  return { patterns: nodes.map((n) => n.mac), nodeid: true };
}

/** An empty selection, for every verb alike (NODE_NOT_FOUND, exit 3; also with --json). */
export function noNodes(): MusterError {
  return new MusterError('NODE_NOT_FOUND', 'No nodes found');
}

/** A verb command whose action gets the Cli and its positional arguments. */
export function verb(name: string, summary: string, product: string, run: (cli: Cli, args: string[], cmd: Command) => Promise<void>): Command {
  return new Command(name).description(summary).action(async (...a: unknown[]) => {
    const cmd = a[a.length - 1] as Command;
    await run(makeCli(cmd, product), cmd.args, cmd);
  });
}

export function patternHelp(noun: Noun): string {
  return noun === 'group' ? '\nGROUP arguments are exact group names.\n' : '\n' + PATTERN_HELP;
}

/** A read-only verb: select, then print a table (or the selection as JSON with --json). */
export function tableVerb(name: string, summary: string, noun: Noun, product: string, render: (nodes: ApiNode[]) => string[]): Command {
  return verb(name, summary, product, async (cli, args) => {
    const sel = await select(cli, noun, args);
    if (sel.nodes.length === 0) throw noNodes();
    if (cli.g.json) return cli.json(sel);
    for (const line of render(sel.nodes)) cli.data(line);
  })
    .argument(noun === 'group' ? '[groups...]' : '[nodes...]')
    .addHelpText('after', patternHelp(noun));
}

/** Names as ranges (n00[00-06,08-63]); globs and names compress cannot fold are listed as given. */
export function foldNames(names: string[]): string {
  try {
    return compress(names);
  } catch {
    return names.join(',');
  }
}
