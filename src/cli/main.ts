import { Command, CommanderError } from 'commander';
import { isMusterError } from '../errors.js';
import { VERSION } from '../version.js';
import * as daemon from './daemon.js';
import * as group from './group/index.js';
import * as exporter from './export.js';
import * as info from './info.js';
import * as job from './job/index.js';
import * as module from './module/index.js';
import * as monitor from './monitor.js';
import * as node from './node/index.js';
import * as simulate from './simulate.js';
import * as stats from './stats.js';

/** Registers nouns only; each noun registers its verbs. */
export function program(name: string): Command {
  const product = name === 'perceus' ? 'Perceus' : 'muster';
  return new Command(name)
    .description('muster: bare-metal provisioning — node registry, nodescripts, network boot, job queue')
    .version(`Version=${VERSION}`, '--version')
    .option('-y, --yes', 'answer yes to confirmation prompts')
    .option('-n, --no', 'answer no to confirmation prompts')
    .option('-q, --quiet', 'hide informational output and warnings (not errors)')
    .option('-e, --embedded', 'for scripts: -y and -q')
    .option('-i, --nodeid', 'node arguments are NodeIDs (MAC addresses)')
    .option('--json', 'print JSON instead of tables')
    .option('--api <url>', 'admin API of the daemon (default: the running daemon, else http://127.0.0.1:8988)')
    .option('--token <token>', 'admin token (default: MUSTER_TOKEN, else statedir/admin.token)')
    .option('--statedir <dir>', "state directory (the daemon's; the CLI finds that daemon through it)")
    .option('--debug', 'print stack traces')
    .option('-v, --verbose', 'bulk verbs (node add --file) print a line per node, not a one-line summary')
    .addCommand(node.command(product))
    .addCommand(group.command(product))
    .addCommand(job.command(product))
    .addCommand(module.command(product))
    .addCommand(exporter.command(product))
    .addCommand(info.command(product, VERSION))
    .addCommand(monitor.command(product))
    .addCommand(stats.command(product))
    .addCommand(simulate.command())
    .addCommand(daemon.command());
}

/** Runs the CLI; maps every failure to one stderr line and the exit status of its class. */
export async function main(argv: string[], name: string): Promise<void> {
  const prog = program(name).exitOverride();
  // Perceus's `-e` was spelled --embeded; accept both.
  const args = argv.map((a) => (a === '--embeded' ? '--embedded' : a));
  try {
    await prog.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    const debug = args.includes('--debug');
    if (isMusterError(err)) {
      process.stderr.write(`${name}: ${err.message} (${err.code})\n`);
      if (debug && err.cause) process.stderr.write(String((err.cause as Error).stack ?? err.cause) + '\n');
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`${name}: ${(err as Error).message ?? String(err)} (INTERNAL)\n`);
      if (debug) process.stderr.write(String((err as Error).stack) + '\n');
      process.exitCode = 1;
    }
  }
}
