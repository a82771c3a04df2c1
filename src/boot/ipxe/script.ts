/**
 * iPXE scripts served over HTTP, chosen from the node's bootenv at the moment it asks. Pure:
 * node + context in, script text out. Built-in bootenvs:
 * - `discovery`: muster's provisioning kernel + initrd (statedir/bootenvs/discovery/), with
 *   kernel arguments that point provisiond at this master. Unknown MACs get it too.
 * - `vnfs`: the node's VNFS kernel and vnfs.img (statedir/vnfs/<name>/) as kernel + initramfs,
 *   then muster's overlay initramfs (statedir/bootenvs/vnfs/overlay.img) whose /.muster/init runs
 *   provisiond init and execs the image's own init.
 * - `local`: boot the local disk (BIOS: sanboot drive 0x80; UEFI: exit to the firmware's next
 *   boot entry). Disabled nodes get this too, so they never reach provisioning.
 * Any other bootenv is an admin template (template.ts). Every failure — missing template, bad
 * name, a download that fails — gives a script that prints why, offers the iPXE shell for 30 s
 * and then asks muster again, so fixing the bootenv takes effect without touching the node.
 */
import type { Node } from '../../nodes/index.js';
import { isValidLabel } from '../../nodes/index.js';
import { macHexhyp } from '../../nodes/index.js';
import { MusterError } from '../../errors.js';
import { substitute } from './template.js';
import { printable } from '../../text.js';
import { OVERLAY_RDINIT } from '../../images/index.js';

export const BUILTIN_BOOTENVS = ['discovery', 'vnfs', 'local'] as const;

/** Kernel arguments added when the config sets none. */
export const DEFAULT_KERNEL_ARGS = 'console=tty0 console=ttyS0,115200n8';

/** iPXE's MAC of the first NIC, hyphenated (iPXE URL-encodes the colon form in paths). */
const IPXE_MAC = '${net0/mac:hexhyp}';

export interface BootContext {
  /** This master's address as the node reaches it (IPv4, IPv6 or host name). */
  addr: string;
  httpPort: number;
  /** Extra kernel arguments for discovery and vnfs kernels (console=, quiet, ...). */
  kernelArgs: string;
  /** Text of statedir/bootenvs/<node.bootenv>.ipxe; null when that file does not exist. */
  template?: string | null;
  /** Why the discovery files cannot be served (they are missing); null/absent when they are there. */
  discoveryMissing?: string | null;
  /** Whether the overlay initramfs exists; without it a VNFS boots its own init, without provisiond. */
  overlay?: boolean;
  /** For a node with bootenv vnfs: the current revision of its VNFS (null: none is bootable). */
  vnfs?: VnfsBoot | null;
  /** Seconds between a booted node's `ready` check-ins (muster.ready=), when set. */
  readyInterval?: number;
}

/** What the vnfs bootenv needs of the image library: the revision to boot and its arguments. */
export interface VnfsBoot {
  revision: number;
  /** the image's own kernel arguments (a capsule's KERNEL_ARGS) */
  kernelArgs: string;
}

/** HTTP paths of the boot files: the /files route serves statedir's bootenvs/ and vnfs/. */
export const bootPaths = {
  discoveryKernel: '/files/bootenvs/discovery/vmlinuz',
  discoveryInitrd: '/files/bootenvs/discovery/initrd.img',
  vnfsKernel: (vnfs: string, revision: number) => `/files/vnfs/${vnfs}/revisions/${revision}/vmlinuz`,
  vnfsImage: (vnfs: string, revision: number) => `/files/vnfs/${vnfs}/revisions/${revision}/vnfs.img`,
  overlay: '/files/bootenvs/vnfs/overlay.img',
  boot: (macPart: string) => `/boot/${macPart}`,
};

export function baseUrl(ctx: BootContext): string {
  if (!/^[A-Za-z0-9.:-]+$/.test(ctx.addr)) {
    throw new MusterError('REQUEST_INVALID', `'${printable(ctx.addr)}' is not an address to put in a boot script; give an IP address or host name`);
  }
  return `http://${ctx.addr.includes(':') ? `[${ctx.addr}]` : ctx.addr}:${ctx.httpPort}`;
}

/** `/boot.ipxe`: sends iPXE on to its per-MAC script, retrying while muster is unreachable. */
export function chainScript(ctx: BootContext): string {
  return lines(
    '#!ipxe',
    ':retry',
    `chain --replace ${baseUrl(ctx)}${bootPaths.boot(IPXE_MAC)} || goto failed`,
    ':failed',
    'echo muster: cannot fetch the boot script, retrying in 10 s',
    'sleep 10',
    'goto retry',
  );
}

/** A kernel + initrds boot: what the echo line names and where the files are. */
interface KernelBoot {
  what: string;
  kernel: string;
  /** In load order; each name is the file name the kernel sees (initrd= for EFI-stub kernels). */
  initrds: { url: string; name: string }[];
  /** Kernel arguments of this boot, before the common ones. */
  args?: string;
}

export function renderBootScript(node: Node | null, ctx: BootContext): string {
  const base = baseUrl(ctx);
  const discovery = (what: string): KernelBoot => ({
    what,
    kernel: base + bootPaths.discoveryKernel,
    initrds: [{ url: base + bootPaths.discoveryInitrd, name: 'initrd.img' }],
  });
  if (node === null) {
    const retry = base + bootPaths.boot(IPXE_MAC);
    if (ctx.discoveryMissing) return errorScript(`unknown node: cannot boot discovery: ${ctx.discoveryMissing}`, retry);
    return kernelScript(discovery('discovery (unregistered MAC)'), 'unknown node', kernelArgs(ctx, base, IPXE_MAC), retry);
  }
  const who = `${node.name} (${node.mac})`;
  const args = kernelArgs(ctx, base, macHexhyp(node.mac));
  const retryUrl = base + bootPaths.boot(macHexhyp(node.mac));
  const fail = (message: string) => errorScript(`${who}: ${message}`, retryUrl);
  if (!node.enabled) return localScript(`${who} is disabled, booting the local disk`);
  switch (node.bootenv) {
    case 'discovery':
      if (ctx.discoveryMissing) return fail(`cannot boot discovery: ${ctx.discoveryMissing}`);
      return kernelScript(discovery('discovery'), who, args, retryUrl);
    case 'vnfs': {
      const vnfs = node.vnfs;
      if (vnfs === '') return fail(`bootenv vnfs but no VNFS set (muster node set vnfs <name> ${node.name})`);
      if (!isValidLabel(vnfs)) return fail(`VNFS name '${vnfs}' is not valid`);
      const rev = ctx.vnfs;
      if (rev == null) return fail(`VNFS '${vnfs}' has no bootable revision (muster vnfs list; muster vnfs import SRC ${vnfs})`);
      return kernelScript(vnfsBoot(vnfs, rev, ctx, base), who, [args, rev.kernelArgs].filter((a) => a !== '').join(' '), retryUrl);
    }
    case 'local':
      return localScript(`${who} boots the local disk`);
  }
  if (!isValidLabel(node.bootenv)) return fail(`bootenv name '${node.bootenv}' is not valid`);
  if (ctx.template == null) return fail(`bootenv '${node.bootenv}' does not exist (create bootenvs/${node.bootenv}.ipxe in the statedir)`);
  const result = substitute(ctx.template, templateFields(node, ctx, base));
  return result.ok ? result.script : fail(`bootenv '${node.bootenv}': ${result.error}`);
}

/** The fields a template may use as `{{field}}`. */
export function templateFields(node: Node, ctx: BootContext, base: string): Record<string, string> {
  return {
    name: node.name,
    mac: node.mac,
    hexhyp: macHexhyp(node.mac),
    group: node.group,
    vnfs: node.vnfs,
    bootenv: node.bootenv,
    ipaddr: node.ipaddr ?? '',
    desc: node.desc,
    debug: String(node.debug),
    master: ctx.addr,
    httpport: String(ctx.httpPort),
    baseurl: base,
    kernelargs: kernelArgs(ctx, base, macHexhyp(node.mac)),
  };
}

/**
 * A VNFS boot: its kernel and vnfs.img, then the overlay whose init runs first (rdinit=) and
 * is told which image it boots and how often to check in.
 */
function vnfsBoot(vnfs: string, rev: VnfsBoot, ctx: BootContext, base: string): KernelBoot {
  const image = { url: base + bootPaths.vnfsImage(vnfs, rev.revision), name: 'vnfs.img' };
  const boot = { what: `vnfs ${vnfs} revision ${rev.revision}`, kernel: base + bootPaths.vnfsKernel(vnfs, rev.revision), initrds: [image] };
  if (!ctx.overlay) return { ...boot, what: `${boot.what} (no muster overlay: the image's init runs without provisiond)` };
  const args = [OVERLAY_RDINIT, `muster.vnfs=${vnfs}@${rev.revision}`, ...(ctx.readyInterval === undefined ? [] : [`muster.ready=${ctx.readyInterval}`])];
  return { ...boot, initrds: [image, { url: base + bootPaths.overlay, name: 'overlay.img' }], args: args.join(' ') };
}

/** masterip= as Perceus's initramfs reads it, muster.http= for provisiond, BOOTIF= as pxelinux. */
function kernelArgs(ctx: BootContext, base: string, bootif: string): string {
  return [`masterip=${ctx.addr}`, `muster.http=${base}`, `BOOTIF=01-${bootif}`, ctx.kernelArgs].filter((a) => a !== '').join(' ');
}

function kernelScript(boot: KernelBoot, who: string, args: string, retryUrl: string): string {
  return lines(
    '#!ipxe',
    `echo muster: ${safeText(who)} boots ${safeText(boot.what)}`,
    // initrd= names the initrds for EFI-stub kernels (which join them in order); BIOS kernels ignore it.
    `kernel ${boot.kernel} ${boot.initrds.map((i) => `initrd=${i.name}`).join(' ')} ${boot.args ? `${boot.args} ` : ''}${args} || goto failed`,
    ...boot.initrds.map((i) => `initrd --name ${i.name} ${i.url} || goto failed`),
    'boot || goto failed',
    ':failed',
    'echo muster: boot failed, asking muster again in 10 s',
    'sleep 10',
    `chain --replace ${retryUrl}`,
  );
}

function localScript(message: string): string {
  return lines('#!ipxe', `echo muster: ${safeText(message)}`, 'iseq ${platform} pcbios && sanboot --no-describe --drive 0x80 ||', 'exit');
}

function errorScript(message: string, retryUrl: string): string {
  return lines(
    '#!ipxe',
    `echo muster: ${safeText(message)}`,
    'prompt --timeout 30000 Press any key within 30 s for the iPXE shell && shell ||',
    `chain --replace ${retryUrl}`,
  );
}

/** Text for `echo`: iPXE would expand `${...}` and a newline would start a command. */
function safeText(s: string): string {
  return s.replace(/[^A-Za-z0-9 .,:;!'()<>/_=+@#-]/g, '?');
}

function lines(...ls: string[]): string {
  return ls.join('\n') + '\n';
}
