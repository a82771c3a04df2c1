import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import * as daemon from './daemon.js';
import * as discovery from './discovery/index.js';
import * as group from './group/index.js';
import * as exporter from './export.js';
import * as info from './info.js';
import * as job from './job/index.js';
import * as module from './module/index.js';
import * as monitor from './monitor.js';
import * as node from './node/index.js';
import * as simulate from './simulate.js';
import * as stats from './stats.js';
import * as vnfs from './vnfs/index.js';
import { endQuietlyOnClosedPipe } from './closed-pipe.js';
import { reportError, type ReportOptions } from './report.js';
import { unsupportedCommands } from './unsupported.js';
import { throwUsageErrors } from './usage.js';

/** Registers nouns only; each noun registers its verbs. */
export function program(name: string): Command {
  const product = name === 'perceus' ? 'Perceus' : 'muster';
  const prog = new Command(name)
    .description('muster: bare-metal provisioning — node registry, nodescripts, network boot, job queue')
    .version(`Version=${VERSION}`, '--version')
    .option('-y, --yes', 'answer yes to confirmation prompts')
    .option('-n, --no', 'answer no to confirmation prompts')
    .option('-q, --quiet', 'hide informational output and warnings (not errors)')
    .option('-e, --embedded', 'for scripts: -y and -q')
    .option('-i, --nodeid', 'node arguments are NodeIDs (MAC addresses)')
    .option('--json', 'print JSON instead of tables')
    .option('--api <url>', "admin API of the daemon (default: the statedir's daemon, from its daemon.json; 'muster info' names it)")
    .option('--token <token>', 'admin token (default: MUSTER_TOKEN, else statedir/admin.token)')
    .option('--statedir <dir>', 'state directory (default as the daemon resolves it: MUSTER_STATEDIR, muster.conf, ./var/muster); the CLI talks to its daemon')
    .option('--debug', 'print stack traces')
    .option('-v, --verbose', 'bulk verbs (node add --file) print a line per node, not a one-line summary')
    .addCommand(node.command(product))
    .addCommand(group.command(product))
    .addCommand(job.command(product))
    .addCommand(module.command(product))
    .addCommand(vnfs.command(product))
    .addCommand(discovery.command(product))
    .addCommand(exporter.command(product))
    .addCommand(info.command(product, VERSION))
    .addCommand(monitor.command(product))
    .addCommand(stats.command(product))
    .addCommand(simulate.command())
    .addCommand(daemon.command());
  for (const c of unsupportedCommands()) prog.addCommand(c, { hidden: true });
  return prog;
}

/** The options that shape an error report, read from the raw line: a usage error comes before any parse. */
function reportOptions(args: string[], name: string): ReportOptions {
  const end = args.indexOf('--');
  const before = end === -1 ? args : args.slice(0, end);
  return { name, json: before.includes('--json'), debug: before.includes('--debug') };
}

/** Runs the CLI; every failure goes through the one formatter (report.ts) to one stderr line and its exit status. */
export async function main(argv: string[], name: string): Promise<void> {
  endQuietlyOnClosedPipe();
  const prog = throwUsageErrors(program(name));
  // Perceus's `-e` was spelled --embeded; accept both.
  const args = argv.map((a) => (a === '--embeded' ? '--embedded' : a));
  try {
    await prog.parseAsync(args, { from: 'user' });
  } catch (err) {
    // --help and --version end parsing with a CommanderError of status 0; usage errors are MusterErrors by now.
    process.exitCode = err instanceof CommanderError ? err.exitCode : reportError(err, reportOptions(args, name));
  }
}
