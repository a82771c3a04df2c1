import type { Command, CommanderError } from 'commander';
import { MusterError } from '../errors.js';

/** The words from the program to `cmd`: ['muster', 'node', 'set']. */
function path(cmd: Command): string[] {
  return cmd.parent ? [...path(cmd.parent), cmd.name()] : [cmd.name()];
}

/**
 * Commander's message as one line: `error: unknown command 'lsit'\n(Did you mean list?)` →
 * `unknown command 'lsit'; did you mean list?`.
 */
function oneLine(message: string): string {
  return message
    .replace(/^error: /, '')
    .replace(/\n\((.*)\)$/s, (_, hint: string) => `; ${hint.charAt(0).toLowerCase()}${hint.slice(1)}`)
    .replace(/\s*\n\s*/g, '; ');
}

/** A command line commander refused, as REQUEST_INVALID (exit 2) naming the command and its help. */
function usageError(err: CommanderError, cmd: Command): MusterError {
  const words = path(cmd);
  const where = words.length > 1 ? `${words.slice(1).join(' ')}: ` : '';
  const help = `see '${words.join(' ')} --help'`;
  if (err.code === 'commander.help') {
    const choices = cmd
      .createHelp()
      .visibleCommands(cmd)
      .map((c) => c.name())
      .filter((n) => n !== 'help');
    return new MusterError('REQUEST_INVALID', `${where}missing command, one of: ${choices.join(', ')} (${help})`);
  }
  return new MusterError('REQUEST_INVALID', `${where}${oneLine(err.message)} (${help})`);
}

/**
 * Makes every command of the tree throw instead of printing commander's two lines and exiting
 * 1: a usage error becomes a MusterError for the CLI's one formatter (report.ts); --help and
 * --version (exit 0) stay CommanderErrors. Commander copies these settings only to commands
 * made with .command(), not to those added with addCommand, hence the walk.
 */
export function throwUsageErrors(cmd: Command): Command {
  cmd.exitOverride((err) => {
    throw err.exitCode === 0 ? err : usageError(err, cmd);
  });
  // Help after an error (a missing verb) and error text both go to writeErr; help itself to writeOut.
  cmd.configureOutput({ writeErr: () => undefined, outputError: () => undefined });
  for (const sub of cmd.commands) throwUsageErrors(sub);
  return cmd;
}
