/**
 * Issue 5 acceptance: real firmware under QEMU boots against muster alone — SeaBIOS with QEMU's
 * iPXE ROM, and OVMF whose own UEFI PXE client fetches ipxe.efi over TFTP — until muster serves
 * the iPXE script for that VM's MAC. The LAN exists only in network namespaces: a bridge with a
 * tap for QEMU, and a server namespace running `muster daemon` on DHCP 67, TFTP 69 and HTTP.
 * The VMs run one after the other (TCG, 2 shared cores).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLan, netnsUnavailable, type Lan } from '../helpers/netns.js';
import { privatePostgresUnavailable } from '../helpers/private-pg.js';
import { requireOrSkip } from '../helpers/require.js';
import { HTTP_PORT, startBootServer, type BootServer } from './qemu/server.js';
import { qemuUnavailable, serialPath, startVm, type Firmware } from './qemu/vm.js';

const SUBNET = '10.78.5';
const BOOT_DEADLINE_MS = 120_000;

const skip = requireOrSkip((await netnsUnavailable()) ?? (await qemuUnavailable()) ?? privatePostgresUnavailable());

interface LogEntry {
  time: number;
  msg?: string;
  mac?: string;
  file?: string;
  outcome?: string;
}

/** The daemon's pino JSON lines; anything else in its output (a banner, QEMU noise) is skipped. */
function logEntries(log: string): LogEntry[] {
  return log.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as LogEntry];
    } catch {
      return []; // a line still being written
    }
  });
}

const dhcpReplyTo = (mac: string) => (e: LogEntry) => e.mac === mac && /^sent (OFFER|ACK)$/.test(e.msg ?? '');

/** The boot files muster's DHCP replies named for `mac`, in order, repeats folded. */
function bootfilesSent(entries: LogEntry[], mac: string): string[] {
  const files: string[] = [];
  for (const e of entries.filter(dhcpReplyTo(mac))) if (e.file && files.at(-1) !== e.file) files.push(e.file);
  return files;
}

/** Seconds from power-on to each stage, from the daemon's log timestamps. */
function stages(entries: LogEntry[], mac: string, poweredOn: number, served: Date): string {
  const replies = entries.filter(dhcpReplyTo(mac));
  const at = (e: LogEntry | undefined) => (e ? `${((e.time - poweredOn) / 1000).toFixed(1)} s` : '-');
  const firmwareDhcp = replies[0];
  const tftp = entries.find((e) => e.msg === 'transfer end' && e.outcome === 'complete' && e.file === 'ipxe.efi' && e.time >= poweredOn);
  const ipxeDhcp = replies.find((e) => e.file?.startsWith('http://'));
  return `first DHCP reply ${at(firmwareDhcp)}, ipxe.efi over TFTP ${at(tftp)}, iPXE's DHCP ${at(ipxeDhcp)}, /boot served ${at({ time: served.getTime() })}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('real firmware network-boots against muster alone', { skip, timeout: 2 * BOOT_DEADLINE_MS + 90_000 }, () => {
  let lan: Lan | undefined;
  let server: BootServer | undefined;
  let dir: string | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-vm-'));
    lan = await createLan({ subnet: SUBNET, hosts: { srv: 1 } });
    await lan.addTap('tap0');
    server = await startBootServer(lan, 'srv', SUBNET);
  });
  after(async () => {
    await server?.stop();
    await lan?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const url = (mac: string) => `http://${SUBNET}.1:${HTTP_PORT}/boot/${mac.replaceAll(':', '-')}`;
  const CASES: [Firmware, string, string, string[]][] = [
    ['seabios', '52:54:00:78:05:01', 'SeaBIOS + QEMU iPXE ROM', [url('52:54:00:78:05:01')]],
    ['ovmf', '52:54:00:78:05:02', 'OVMF (UEFI PXE → TFTP ipxe.efi → iPXE)', ['ipxe.efi', url('52:54:00:78:05:02')]],
  ];

  for (const [firmware, mac, label, chain] of CASES) {
    it(`${label} boots until muster serves /boot/${mac}`, { timeout: BOOT_DEADLINE_MS + 30_000 }, async (t) => {
      const vm = startVm(lan!, { firmware, mac, tap: 'tap0', serialFile: serialPath(dir!, firmware) });
      const started = Date.now();
      // iPXE's own word that the script arrived (the console wraps at 80 columns: join the lines).
      const scriptArrived = new RegExp(`${mac.replaceAll(':', '-')} : \\d+ bytes \\[script\\]`);
      let served: Date | null = null;
      let arrived = false;
      try {
        while (!arrived && vm.exited() === null && Date.now() - started < BOOT_DEADLINE_MS) {
          await sleep(500);
          served ??= await server!.bootScriptServedAt(mac);
          arrived = served !== null && scriptArrived.test((await vm.serial()).replaceAll('\n', ''));
        }
      } finally {
        await vm.kill();
      }
      const diagnosis = async () =>
        `QEMU: ${vm.exited() ?? 'killed'}\n--- serial console (tail) ---\n${(await vm.serial()).split('\n').slice(-40).join('\n')}\n--- muster's log (tail) ---\n${server!.log().split('\n').slice(-15).join('\n')}`;
      assert.ok(served, `muster did not serve /boot/${mac} within ${BOOT_DEADLINE_MS / 1000} s\n${await diagnosis()}`);
      assert.ok(arrived, `muster served /boot/${mac} but the guest's console never showed iPXE receiving it\n${await diagnosis()}`);
      // The chain ran as designed: firmware got the boot file for its kind, iPXE then got its script URL.
      const entries = logEntries(server!.log());
      assert.deepEqual(bootfilesSent(entries, mac), chain, await diagnosis());
      t.diagnostic(`${firmware}: ${stages(entries, mac, started, served)}`);
    });
  }
});
