import { Command } from 'commander';
import * as del from '../node/delete.js';
import * as set from '../node/set.js';
import * as show from '../node/show.js';
import * as status from '../node/status.js';
import * as summary from '../node/summary.js';
import * as list from './list.js';
import * as nodelist from './nodelist.js';

/** `group <verb>`: groups are implicit (a node's group field); node verbs take exact group names. */
export function command(product: string): Command {
  return new Command('group')
    .alias('groups')
    .description('Act on nodes by group')
    .addCommand(list.command(product))
    .addCommand(nodelist.command(product))
    .addCommand(del.command('group', product))
    .addCommand(set.command('group', product))
    .addCommand(show.command('group', product))
    .addCommand(status.command('group', product))
    .addCommand(summary.command('group', product));
}
