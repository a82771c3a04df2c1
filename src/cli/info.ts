import { Command } from 'commander';
import { verb } from './select.js';

interface DhcpInfo {
  mode: string;
  stats: Record<string, number>;
  seenServers: Array<{ server: string; offers: number; leasesAddresses: boolean; bootfile: string | null; lastSeen: string }>;
  leases: Array<{ mac: string; ip: string; state: string; expiresAt: string }>;
}

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

interface BootInfo {
  discovery: { dir: string; missing: string | null };
  overlay: { path: string; present: boolean };
  lastBuild: { at: string; level: string; message: string } | null;
}

/** `info [about|config [KEY]|system|boot]`, read from the running daemon. */
export function command(product: string, version: string): Command {
  const about = verb('about', 'About muster, and which daemon this CLI talks to', product, async (cli) => {
    // Which daemon, without asking it: `about` works when none runs, and says why none was found.
    const daemon = await cli.client().then(
      (c) => ({
        line: `${c.describe()} (${c.daemon.via})`,
        json: { api: c.daemon.api, statedir: c.daemon.daemon?.statedir ?? null, pid: c.daemon.daemon?.pid ?? null, via: c.daemon.via },
      }),
      (err: Error) => ({ line: `none: ${err.message}`, json: null }),
    );
    if (cli.g.json) return cli.json({ version, daemon: daemon.json });
    cli.data(`muster ${version}: bare-metal provisioning (Perceus-compatible).`);
    cli.data(`Daemon: ${daemon.line}`);
  });
  const config = verb('config', 'Show the running configuration, or one KEY (Perceus info config)', product, async (cli, args) => {
    const key = args.length ? args.join(' ') : undefined;
    const { config: pairs } = await (await cli.client()).get<{ config: Array<[string, string]> }>('/info/config', { key });
    if (cli.g.json) return cli.json(Object.fromEntries(pairs));
    if (key !== undefined) return cli.data(pairs[0]?.[1] ?? '');
    for (const [k, v] of pairs) cli.data(`${k} = ${v}`);
  }).argument('[key...]', "a config key, e.g. 'vnfs transfer master'");
  const system = verb('system', 'Show version, paths, database and totals', product, async (cli) => {
    const client = await cli.client();
    const s = await client.get<SystemInfo>('/info/system');
    if (cli.g.json) return cli.json({ ...s, api: client.daemon.api });
    const rows: Array<[string, string]> = [
      ['Version', s.version],
      // What the daemon itself says, so a stale or foreign daemon.json cannot mislead.
      ['Daemon', `${client.daemon.api}, statedir ${s.statedir}, pid ${s.pid} on ${s.host} (${client.daemon.via}), Node.js ${s.node}, up since ${s.startedAt}`],
      ['Statedir', s.statedir],
      ['Database', s.database === 'pglite' ? 'embedded (PGlite; survives a daemon crash, not a power cut)' : 'PostgreSQL'],
      ['Nodes', String(s.nodes)],
      ['Groups', String(s.groups)],
      ['VNFS in use', s.vnfs.join(', ') || '(none)'],
    ];
    for (const [k, v] of rows) cli.data(`${k.padEnd(14)}${v}`);
  });
  const dhcp = verb('dhcp', 'Show DHCP counters, other DHCP servers seen on the segment, and leases', product, async (cli) => {
    const d = await (await cli.client()).get<DhcpInfo>('/info/dhcp');
    if (cli.g.json) return cli.json(d);
    cli.data(`DHCP mode      ${d.mode}`);
    const counters = Object.entries(d.stats).filter(([, n]) => n > 0);
    cli.data(`Counters       ${counters.map(([k, n]) => `${k}=${n}`).join(' ') || '(none)'}`);
    if (d.seenServers.length === 0) cli.data('Other servers  none seen');
    for (const s of d.seenServers) {
      cli.data(
        `Other server   ${s.server}: ${s.offers} offers, ${s.leasesAddresses ? 'hands out addresses' : 'proxyDHCP (boot data only)'}, bootfile ${s.bootfile ?? '-'}, last seen ${s.lastSeen}`,
      );
    }
    cli.data(`Leases         ${d.leases.length}`);
    for (const l of d.leases) cli.data(`   ${l.ip.padEnd(15)} ${l.mac} ${l.state.padEnd(8)} until ${l.expiresAt}`);
  });
  const boot = verb('boot', "Show muster's boot files (discovery, the VNFS overlay) and why one is missing", product, async (cli) => {
    const b = await (await cli.client()).get<BootInfo>('/info/boot');
    if (cli.g.json) return cli.json(b);
    cli.data(`Discovery      ${b.discovery.missing ?? `ready (${b.discovery.dir})`}`);
    cli.data(
      `VNFS overlay   ${b.overlay.present ? `ready (${b.overlay.path})` : `missing: ${b.overlay.path}; VNFS nodes boot their image without provisiond (muster discovery build makes it)`}`,
    );
    if (b.lastBuild) cli.data(`Last build     ${b.lastBuild.at} ${b.lastBuild.level}: ${b.lastBuild.message}`);
  });
  return new Command('info')
    .description('Information about muster and its configuration')
    .addCommand(about, { isDefault: true })
    .addCommand(config)
    .addCommand(system)
    .addCommand(dhcp)
    .addCommand(boot);
}
