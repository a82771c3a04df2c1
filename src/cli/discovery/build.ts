import { loadConfig } from '../../config/index.js';
import { buildDiscovery, buildOverlay, overlayPath, resolveBusybox, type KernelSource } from '../../images/index.js';
import { verb } from '../select.js';

interface BuildOptions {
  kernel?: string;
  kernelDeb?: string;
  fromVnfs?: string;
  busybox?: string;
}

/**
 * `discovery build`: writes statedir/bootenvs/discovery/{vmlinuz,initrd.img} and the VNFS overlay
 * (statedir/bootenvs/vnfs/overlay.img), both built from the same busybox. It runs here, in the
 * CLI, on the master's files: it needs no database and no daemon (it works before the first
 * start), and the daemon serves the new files on the next boot request, reading them as asked.
 */
export const command = (product: string) =>
  verb('build', 'Build the discovery kernel + initramfs and the VNFS overlay into the statedir', product, async (cli, _args, cmd) => {
    const o = cmd.opts<BuildOptions>();
    const { config } = await loadConfig({ env: process.env, overrides: cli.g.statedir === undefined ? {} : { statedir: cli.g.statedir } });
    const src: KernelSource = {
      ...(o.kernel === undefined ? {} : { kernel: o.kernel }),
      ...(o.kernelDeb === undefined ? {} : { kernelDeb: o.kernelDeb }),
      ...(o.fromVnfs === undefined ? {} : { fromVnfs: o.fromVnfs }),
    };
    const busybox = await resolveBusybox(o.busybox);
    try {
      const d = await buildDiscovery(config.statedir, src, busybox.file);
      const overlay = await buildOverlay(overlayPath(config.statedir), { busybox: busybox.file });
      if (cli.g.json) return cli.json({ statedir: config.statedir, discovery: d, overlay, busybox: busybox.from });
      cli.info(`discovery: kernel ${d.kernelVersion} from ${d.kernelFrom}, ${d.modules} NIC modules, initrd.img ${d.initrd.size} bytes`);
      cli.info(`overlay: ${overlayPath(config.statedir)} (${overlay.size} bytes), busybox from ${busybox.from}`);
    } finally {
      await busybox.cleanup();
    }
  })
    .option('--kernel <path>', 'a kernel file on this machine named vmlinuz-<version> (its modules: /lib/modules/<version>)')
    .option('--kernel-deb <file>', 'a Debian linux-image-*.deb (unpacked; nothing is installed)')
    .option('--from-vnfs <name>', 'the kernel of an imported VNFS (statedir/vnfs/<name>/rootfs)')
    .option('--busybox <path>', 'a static busybox, or a busybox-static .deb (default: /bin/busybox when it is static)')
    .addHelpText('after', '\nWith no kernel option: the newest /boot/vmlinuz-<version> of this machine.\n');
