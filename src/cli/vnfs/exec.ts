import { join } from 'node:path';
import type { Command } from 'commander';
import { MusterError } from '../../errors.js';
import { runProcess } from '../../proc/index.js';
import { discover } from '../discover.js';
import { verb } from '../select.js';

/**
 * Mounts proc, sys and dev inside the rootfs in a private mount namespace (gone when the command
 * ends, so nothing stays mounted in the image), then runs the command chrooted there.
 */
const IN_IMAGE = 'mount -t proc proc "$1/proc" && mount -t sysfs sys "$1/sys" && mount --rbind /dev "$1/dev" && root=$1 && shift && exec chroot "$root" "$@"';

/**
 * `vnfs exec NAME -- CMD…`: runs a command inside the image's rootfs on the master (install a
 * package, edit a file), as root. The served revision does not change until `vnfs rebuild`.
 */
export function command(product: string): Command {
  return verb('exec', "Run a command inside a VNFS's rootfs (then vnfs rebuild)", product, async (cli, args) => {
    const [name, ...cmd] = args as [string, ...string[]];
    if (cmd.length === 0) throw new MusterError('REQUEST_INVALID', `no command: muster vnfs exec ${name} -- CMD [ARGS…]`);
    const { image } = await (await cli.client()).get<{ image: { name: string } }>(`/vnfs/${encodeURIComponent(name)}`);
    const rootfs = join((await discover(cli.g)).statedir, 'vnfs', image.name, 'rootfs');
    if (process.getuid?.() !== 0) throw new MusterError('REQUEST_INVALID', 'vnfs exec chroots into the image: run it as root');
    const run = await runProcess('unshare', {
      args: ['--mount', '--fork', '--', 'sh', '-c', IN_IMAGE, 'sh', rootfs, ...cmd],
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', TERM: process.env.TERM ?? 'dumb', LANG: 'C.UTF-8' },
      cwd: '/',
      onChunk: (chunk, from) => (from === 'stdout' ? process.stdout : process.stderr).write(chunk),
    });
    if (run.exitCode !== 0) throw new MusterError('REQUEST_INVALID', `${cmd.join(' ')} in VNFS '${name}' exited ${run.exitCode ?? run.exitSignal}`);
    cli.info(`done; 'muster vnfs rebuild ${name}' makes the change bootable`);
  })
    .argument('<name>')
    .argument('<command...>', 'the command and its arguments (after --)');
}
