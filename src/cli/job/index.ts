import { Command } from 'commander';
import * as cancel from './cancel.js';
import * as list from './list.js';
import * as release from './release.js';
import * as retry from './retry.js';
import * as run from './run.js';
import * as show from './show.js';
import * as wait from './wait.js';

/** `job <verb>`: the jig queue. */
export function command(product: string): Command {
  return new Command('job')
    .alias('jobs')
    .description('Queue and follow jig runs on nodes')
    .addCommand(run.command(product))
    .addCommand(list.command(product))
    .addCommand(show.command(product))
    .addCommand(cancel.command(product))
    .addCommand(retry.command(product))
    .addCommand(release.command(product))
    .addCommand(wait.command(product));
}
