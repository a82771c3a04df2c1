import { Command } from 'commander';
import { verb } from './select.js';

interface SystemInfo {
  version: string;
  pid: number;
  host: string;
  node: string;
  statedir: string;
  database: string;
  startedAt: string;
  nodes: number;
  groups: number;
  vnfs: string[];
}

/** `info [about|config [KEY]|system]`, read from the running daemon. */
export function command(product: string, version: string): Command {
  const about = verb('about', 'About muster', product, async (cli) => {
    cli.data(`muster ${version}: bare-metal provisioning (Perceus-compatible). https://muster.dev`);
  });
  const config = verb('config', 'Show the running configuration, or one KEY (Perceus info config)', product, async (cli, args) => {
    const key = args.length ? args.join(' ') : undefined;
    const { config: pairs } = await (await cli.client()).get<{ config: Array<[string, string]> }>('/info/config', { key });
    if (cli.g.json) return cli.json(Object.fromEntries(pairs));
    if (key !== undefined) return cli.data(pairs[0]?.[1] ?? '');
    for (const [k, v] of pairs) cli.data(`${k} = ${v}`);
  }).argument('[key...]', "a config key, e.g. 'vnfs transfer master'");
  const system = verb('system', 'Show version, paths, database and totals', product, async (cli) => {
    const s = await (await cli.client()).get<SystemInfo>('/info/system');
    if (cli.g.json) return cli.json(s);
    const rows: Array<[string, string]> = [
      ['Version', s.version],
      ['Daemon', `pid ${s.pid} on ${s.host}, Node.js ${s.node}, up since ${s.startedAt}`],
      ['Statedir', s.statedir],
      ['Database', s.database === 'pglite' ? 'embedded (PGlite; survives a daemon crash, not a power cut)' : 'PostgreSQL'],
      ['Nodes', String(s.nodes)],
      ['Groups', String(s.groups)],
      ['VNFS in use', s.vnfs.join(', ') || '(none)'],
    ];
    for (const [k, v] of rows) cli.data(`${k.padEnd(14)}${v}`);
  });
  return new Command('info').description('Information about muster and its configuration').addCommand(about, { isDefault: true }).addCommand(config).addCommand(system);
}
