import { Command } from 'commander';
import * as build from './build.js';

/** `discovery <verb>`: registers verbs only. */
export function command(product: string): Command {
  return new Command('discovery')
    .description("muster's discovery boot files (kernel + initramfs for unknown nodes) and the VNFS overlay")
    .addCommand(build.command(product));
}
