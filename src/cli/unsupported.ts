import { Command } from 'commander';
import { MusterError } from '../errors.js';

/**
 * Perceus commands muster does not have (with Perceus's other spellings), and what to do
 * instead. Without these an old admin script's `perceus vnfs list` got commander's nearest
 * name: "did you mean info?".
 */
const PERCEUS_ONLY: Array<[string[], string]> = [
  [['init'], 'muster sets up its statedir and database itself at its first start (muster daemon)'],
  [
    ['configure', 'config'],
    'muster writes no dhcpd, NFS, apache or ssh configuration: configure muster in muster.conf (docs/muster.conf.example); muster export prints dnsmasq, ethers and hosts files',
  ],
  [['contact'], 'muster sends nothing to perceus.org'],
];

/**
 * Commands that refuse with the reason (REQUEST_INVALID, exit 2), for addCommand(c, {hidden}):
 * hidden ones are not in --help and never offered as a did-you-mean for a typo.
 */
export function unsupportedCommands(): Command[] {
  return PERCEUS_ONLY.map(([[name, ...aliases], instead]) =>
    new Command(name!)
      .aliases(aliases)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[args...]')
      .action(() => {
        throw new MusterError('REQUEST_INVALID', `'${name}' is a Perceus command muster does not support: ${instead}`);
      }),
  );
}
