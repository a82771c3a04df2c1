import { Command } from 'commander';
import * as activate from './activate.js';
import * as deactivate from './deactivate.js';
import * as del from './delete.js';
import * as imp from './import.js';
import * as list from './list.js';
import * as states from './states.js';
import * as summary from './summary.js';

/** `module <verb>`: Perceus modules in the daemon's statedir/modules; registers verbs only. */
export function command(product: string): Command {
  return new Command('module')
    .alias('modules')
    .description('Enable, disable or import Perceus modules')
    .addCommand(activate.command(product))
    .addCommand(deactivate.command(product))
    .addCommand(del.command(product))
    .addCommand(imp.command(product))
    .addCommand(list.command(product))
    .addCommand(summary.command(product))
    .addCommand(states.command(product));
}
