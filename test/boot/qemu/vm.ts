/**
 * A QEMU guest with real network-boot firmware on a tap of a test LAN. TCG only: KVM guests
 * crash on the machines these tests run on (../shared/reference/real-peers.md).
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Lan } from '../../helpers/netns.js';

export const OVMF = '/usr/share/ovmf/OVMF.fd';
/** QEMU's default option ROM for virtio-net-pci (iPXE, from ipxe-qemu). */
const VIRTIO_ROM = '/usr/lib/ipxe/qemu/efi-virtio.rom';
/** What the daemon copies into its TFTP root (from ipxe). */
const IPXE_BINARIES = ['/usr/lib/ipxe/undionly.kpxe', '/usr/lib/ipxe/ipxe.efi'];

/** Null when both firmwares can boot here, else what is missing and which Debian package has it. */
export async function qemuUnavailable(): Promise<string | null> {
  const found = await execa('sh', ['-c', 'command -v qemu-system-x86_64'], { reject: false });
  if (found.exitCode !== 0) return 'qemu-system-x86_64 is not installed (Debian package qemu-system-x86)';
  const files: [string, string][] = [[OVMF, 'ovmf'], [VIRTIO_ROM, 'ipxe-qemu'], ...IPXE_BINARIES.map((f): [string, string] => [f, 'ipxe'])];
  for (const [file, pkg] of files) {
    if (
      !(await access(file).then(
        () => true,
        () => false,
      ))
    )
      return `${file} is missing (Debian package ${pkg})`;
  }
  return null;
}

export type Firmware = 'seabios' | 'ovmf';

export interface VmOptions {
  firmware: Firmware;
  mac: string;
  /** A tap on the LAN's bridge (lan.addTap); QEMU runs in the switch namespace that holds it. */
  tap: string;
  /** Where the guest's serial console is written. */
  serialFile: string;
  /** Let the guest reboot (a full provisioning chain does); by default a reboot ends QEMU. */
  reboot?: boolean;
  /** Guest memory (default 256 MiB; a Linux guest with its initramfs wants 512). */
  memoryMb?: number;
}

export interface Vm {
  /** The serial console so far, as plain lines (escape sequences and blank lines removed). */
  serial(): Promise<string>;
  /** QEMU's own stdout/stderr if it exited, else null. */
  exited(): string | null;
  kill(): Promise<void>;
}

/**
 * Starts the guest. SeaBIOS runs QEMU's default iPXE ROM for the NIC (naming a ROM with
 * `romfile=` makes SeaBIOS skip it). OVMF gets no option ROM (`romfile=` empty), so EDK2's own
 * PXE client runs and must fetch ipxe.efi over TFTP.
 */
export function startVm(lan: Lan, o: VmOptions): Vm {
  const nic = ['virtio-net-pci', 'netdev=n0', `mac=${o.mac}`, 'bootindex=1', ...(o.firmware === 'ovmf' ? ['romfile='] : [])].join(',');
  const argv = [
    'qemu-system-x86_64',
    '-accel',
    'tcg',
    '-m',
    String(o.memoryMb ?? 256),
    '-display',
    'none',
    // graphics=off makes SeaBIOS and iPXE write to the serial port too.
    '-machine',
    'q35,graphics=off',
    '-serial',
    `file:${o.serialFile}`,
    '-monitor',
    'none',
    ...(o.reboot ? [] : ['-no-reboot']),
    ...(o.firmware === 'ovmf' ? ['-bios', OVMF] : []),
    '-netdev',
    `tap,id=n0,ifname=${o.tap},script=no,downscript=no`,
    '-device',
    nic,
  ];
  const child = lan.spawnOnSwitch(argv);
  let output: string | null = null;
  void child.then((r) => (output = `exit ${r.exitCode ?? r.signal}: ${r.all ?? ''}`));
  return {
    async serial() {
      const text = await readFile(o.serialFile, 'utf8').catch(() => '(no serial output)');
      // Firmware draws with escape sequences and carriage returns; keep what a reader can use.
      const plain = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r+\n?/g, '\n');
      return plain
        .split('\n')
        .filter((l) => l.trim() !== '')
        .join('\n');
    },
    exited: () => output,
    async kill() {
      child.kill('SIGKILL'); // by its PID; a no-op once it has exited
      await child;
    },
  };
}

export const serialPath = (dir: string, name: string): string => join(dir, `${name}.serial.log`);
