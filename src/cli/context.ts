import type { Command } from 'commander';
import { MusterError } from '../errors.js';
import { connect, type ApiClient } from './client.js';
import { confirm } from './confirm.js';

/** Global options, accepted anywhere on the line (Perceus's Getopt permute mode). */
export interface Globals {
  yes?: boolean;
  no?: boolean;
  quiet?: boolean;
  embedded?: boolean;
  nodeid?: boolean;
  json?: boolean;
  api?: string;
  token?: string;
  statedir?: string;
  debug?: boolean;
  /** bulk verbs print a line per node, not a summary */
  verbose?: boolean;
}

export interface Cli {
  g: Globals;
  /** 'muster', or 'Perceus' when run as the perceus alias (messages old scripts grep for). */
  product: string;
  client(): Promise<ApiClient>;
  info(line: string): void;
  warn(line: string): void;
  data(line: string): void;
  json(value: unknown): void;
  /** Asks before a destructive step; -y/-n answer; off a terminal -y is required. */
  confirm(question: string): Promise<boolean>;
}

export function makeCli(cmd: Command, product: string): Cli {
  const g = cmd.optsWithGlobals<Globals>();
  if (g.embedded) {
    g.yes = true;
    g.quiet = true;
  }
  let client: Promise<ApiClient> | null = null;
  const warn = (line: string): void => {
    if (!g.quiet) process.stderr.write(`WARNING: ${line}\n`);
  };
  return {
    g,
    product,
    // A daemon other than the statedir's is said once, before anything it answers.
    client: () =>
      (client ??= connect(g).then((c) => {
        if (c.daemon.fallback) warn(c.daemon.fallback);
        return c;
      })),
    info: (line) => {
      if (!g.quiet) process.stdout.write(line + '\n');
    },
    warn,
    data: (line) => process.stdout.write(line + '\n'),
    json: (value) => process.stdout.write(JSON.stringify(value, null, 2) + '\n'),
    confirm: async (question) => {
      if (g.yes) return true;
      if (g.no) return false;
      if (!process.stdin.isTTY) {
        throw new MusterError('CONFIRMATION_REQUIRED', 'not on a terminal, so nothing was asked and nothing done: pass -y to confirm (or -n)');
      }
      return confirm(question);
    },
  };
}
