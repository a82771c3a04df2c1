import { Command } from 'commander';
import * as add from './add.js';
import * as del from './delete.js';
import * as list from './list.js';
import * as replace from './replace.js';
import * as set from './set.js';
import * as show from './show.js';
import * as status from './status.js';
import * as summary from './summary.js';

/** `node <verb>`: registers verbs only. */
export function command(product: string): Command {
  return new Command('node')
    .alias('nodes')
    .description('Manage nodes in the registry')
    .addCommand(add.command(product))
    .addCommand(del.command('node', product))
    .addCommand(list.command('node', product))
    .addCommand(replace.command(product))
    .addCommand(set.command('node', product))
    .addCommand(show.command('node', product))
    .addCommand(status.command('node', product))
    .addCommand(summary.command('node', product));
}
