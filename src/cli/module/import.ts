import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { MusterError } from '../../errors.js';
import { verb } from '../select.js';
import { label, showOutput, type ApiModule } from './shared.js';

/**
 * `module import FILE.pmod`: the file is read here and sent to the daemon, which owns the
 * statedir (the CLI may run as another user, or on another host with --api).
 */
export function command(product: string): Command {
  return verb('import', 'Import a new module into ' + product, product, async (cli, args) => {
    const file = args[0]!;
    const name = /^(.+)\.pmod$/.exec(basename(file))?.[1];
    if (name === undefined) throw new MusterError('MODULE_ARCHIVE_INVALID', `${file} is not a valid Perceus Module (*.pmod)`);
    const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new MusterError(
        'REQUEST_INVALID',
        `cannot read ${file}: ${err.code ?? err.message} (usage: ${cli.product === 'Perceus' ? 'perceus' : 'muster'} module import <path to module>)`,
      );
    });
    cli.info(`Importing '${name}'`);
    const done = await (await cli.client()).post<{ module: ApiModule; output: string }>('/modules', { name, archive: bytes.toString('base64') });
    if (cli.g.json) return cli.json(done);
    showOutput(cli, done.output);
    cli.info(`${label(cli)} '${name}' has been successfully imported.`);
  }).argument('<file>', 'the module archive, NAME.pmod (a bzip2 or gzip tar of nodescripts/, defaultroles, activate …)');
}
