import { Command } from 'commander';
import * as clone from './clone.js';
import * as del from './delete.js';
import * as exec from './exec.js';
import * as exp from './export.js';
import * as imp from './import.js';
import * as list from './list.js';
import { commands as perceusVerbs } from './perceus-verbs.js';
import * as rebuild from './rebuild.js';
import * as rename from './rename.js';
import * as show from './show.js';

/** `vnfs <verb>`: the daemon's VNFS image library; registers verbs only. */
export function command(product: string): Command {
  const c = new Command('vnfs')
    .description('Import, build, list and manage VNFS images')
    .addCommand(imp.command(product))
    .addCommand(list.command(product))
    .addCommand(show.command(product))
    .addCommand(rebuild.command(product))
    .addCommand(exec.command(product))
    .addCommand(clone.command(product))
    .addCommand(rename.command(product))
    .addCommand(exp.command(product))
    .addCommand(del.command(product));
  for (const v of perceusVerbs(product)) c.addCommand(v);
  return c;
}
