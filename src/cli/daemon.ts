import { Command } from 'commander';

interface DaemonFlags {
  config?: string;
  perceusConfig?: string;
  statedir?: string;
  listen?: string;
  httpPort?: string;
  apiPort?: string;
  apiAddress?: string;
  provisiondPort?: string;
  dhcpPort?: string;
  tftpPort?: string;
  check?: boolean;
}

/** Flags → config keys (they win over env and files). */
const FLAG_KEYS: Array<[Exclude<keyof DaemonFlags, 'check'>, string]> = [
  ['statedir', 'statedir'],
  ['listen', 'listen address'],
  ['httpPort', 'http port'],
  ['apiPort', 'api port'],
  ['apiAddress', 'api address'],
  ['provisiondPort', 'provisiond port'],
  ['dhcpPort', 'dhcp port'],
  ['tftpPort', 'tftp port'],
];

/** `muster daemon`: runs in the foreground until SIGTERM/SIGINT (systemd's Type=simple). */
export function command(): Command {
  return new Command('daemon')
    .description('Run the muster daemon (network boot, nodescripts, job queue, admin API)')
    .option('-c, --config <file>', 'muster.conf to read (default /etc/muster/muster.conf if present)')
    .option('--perceus-config <dir>', 'read an existing perceus.conf + defaults.conf from DIR')
    .option('--listen <addr>', 'address for node-facing servers')
    .option('--http-port <port>', 'node-facing HTTP port')
    .option('--api-port <port>', 'admin API port')
    .option('--api-address <addr>', 'admin API address (default 127.0.0.1)')
    .option('--provisiond-port <port>', 'Perceus provisiond protocol port')
    .option('--dhcp-port <port>', 'DHCP port')
    .option('--tftp-port <port>', 'TFTP port')
    .option('--check', 'validate the configuration (and reach DATABASE_URL) without starting; exit 0 when valid')
    .action(async (_opts: DaemonFlags, cmd: Command) => {
      // --statedir is a global option: the CLI uses it to find a daemon, the daemon to run in it.
      const flags = cmd.optsWithGlobals<DaemonFlags>();
      const overrides: Record<string, string> = {};
      for (const [flag, key] of FLAG_KEYS) if (flags[flag] !== undefined) overrides[key] = flags[flag]!;
      const load = {
        ...(flags.config === undefined ? {} : { configFile: flags.config }),
        ...(flags.perceusConfig === undefined ? {} : { perceusDir: flags.perceusConfig }),
        overrides,
      };
      if (flags.check) return (await import('./daemon-check.js')).checkDaemon(load);
      // Loaded only here: the other verbs must start fast and never load the database engine.
      const { startDaemon } = await import('../daemon.js');
      const d = await startDaemon(load);
      const stop = (signal: string) => {
        d.log.info({ signal }, 'stopping');
        d.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      process.stdout.write(
        `muster daemon: admin API ${shown(d.apiUrl, d.bound.api, '/api/v1')}, node HTTP ${shown(d.httpUrl, d.bound.http)}, provisiond port ${d.ports.provisiond}, statedir ${d.config.statedir}\n`,
      );
    });
}

/** The URL, and the bound address when it differs (a wildcard): `http://127.0.0.1:8988/api/v1 (bound to 0.0.0.0:8988)`. */
function shown(url: string, bound: string, path = ''): string {
  return url === `http://${bound}` ? url + path : `${url}${path} (bound to ${bound})`;
}
