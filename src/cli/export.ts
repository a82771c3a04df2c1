import { Command } from 'commander';
import { EXPORT_FORMATS } from '../exports/index.js';
import { patternHelp, selection, verb } from './select.js';

/** `export dnsmasq|ethers|hosts [PATTERN…]`: registry files for a site's own DHCP/DNS. */
export function command(product: string): Command {
  const cmd = new Command('export').description('Print the registry for an external DHCP/DNS server');
  for (const format of EXPORT_FORMATS) {
    cmd.addCommand(
      verb(format, `Print ${format === 'dnsmasq' ? 'dnsmasq dhcp-host lines' : `/etc/${format} lines`}`, product, async (cli, args) => {
        const text = await (await cli.client()).postText(`/export/${format}`, selection(cli, 'node', args));
        process.stdout.write(text);
      })
        .argument('[nodes...]')
        .addHelpText('after', patternHelp('node')),
    );
  }
  return cmd;
}
