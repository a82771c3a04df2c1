/**
 * At daemon start: muster's boot files that are missing — the VNFS overlay, the discovery kernel
 * + initramfs — are built from what the master has (its static /bin/busybox, its newest
 * /boot/vmlinuz-* with /lib/modules), in the background. Each outcome is an event: built, or
 * what is missing and the command that builds it from other inputs. Files that exist are left
 * alone (`muster discovery build` rebuilds them).
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { isMusterError } from '../errors.js';
import type { NewEvent } from '../events/index.js';
import { buildDiscovery, DISCOVERY_FILES, discoveryDir, resolveBusybox } from './discovery.js';
import { buildOverlay, overlayPath } from './overlay.js';

/** The kinds of the events below, newest first is `muster info boot`'s "last build". */
export const BOOT_FILE_EVENTS = ['boot.files.missing', 'boot.overlay.built', 'boot.discovery.built'];

const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );
const why = (err: unknown): string => (isMusterError(err) ? err.message : String(err));

/** Builds what is missing; `report` records each outcome. Never throws. */
export async function ensureBootFiles(statedir: string, report: (e: NewEvent) => Promise<void>): Promise<void> {
  const needOverlay = !(await exists(overlayPath(statedir)));
  const needDiscovery = !(await Promise.all(DISCOVERY_FILES.map((f) => exists(join(discoveryDir(statedir), f))))).every(Boolean);
  if (!needOverlay && !needDiscovery) return;
  const fix =
    "on the master: muster discovery build [--kernel-deb linux-image-*.deb] [--busybox busybox-static*.deb] builds both; 'muster info boot' shows the state";
  let busybox: Awaited<ReturnType<typeof resolveBusybox>>;
  try {
    busybox = await resolveBusybox();
  } catch (err) {
    const what = [needOverlay ? 'the VNFS overlay' : '', needDiscovery ? 'discovery' : ''].filter(Boolean).join(' and ');
    await report({
      kind: 'boot.files.missing',
      level: 'error',
      message: `cannot build ${what}: ${why(err)}; ${fix}`,
      data: { overlay: needOverlay, discovery: needDiscovery },
    });
    return;
  }
  try {
    if (needOverlay) {
      try {
        const a = await buildOverlay(overlayPath(statedir), { busybox: busybox.file });
        await report({ kind: 'boot.overlay.built', message: `built the VNFS overlay (${a.size} bytes) with ${busybox.from}`, data: a });
      } catch (err) {
        await report({ kind: 'boot.files.missing', level: 'error', message: `cannot build the VNFS overlay: ${why(err)}; ${fix}`, data: { overlay: true } });
      }
    }
    if (needDiscovery) {
      try {
        const d = await buildDiscovery(statedir, {}, busybox.file);
        await report({
          kind: 'boot.discovery.built',
          message: `built discovery from kernel ${d.kernelVersion} (${d.kernelFrom}), ${d.modules} NIC modules`,
          data: d,
        });
      } catch (err) {
        await report({ kind: 'boot.files.missing', level: 'error', message: `cannot build discovery: ${why(err)}; ${fix}`, data: { discovery: true } });
      }
    }
  } finally {
    await busybox.cleanup();
  }
}
