/**
 * Fills the TFTP root with the iPXE binaries of Debian's `ipxe` package (/usr/lib/ipxe).
 * They are copied, not symlinked: the server refuses symlinks that leave its root, and a copy
 * survives a package upgrade mid-transfer. A copy goes to a temporary name and is renamed, so a
 * running transfer never reads a half-written file; an unchanged file (same size and mtime) is
 * left alone.
 */
import { copyFile, mkdir, rename, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

/** What DHCP hands out (BIOS: undionly.kpxe; UEFI: ipxe.efi / snponly.efi) and their variants. */
export const IPXE_BINARIES = ['undionly.kpxe', 'undionly.kkpxe', 'ipxe.pxe', 'ipxe.efi', 'snponly.efi'] as const;

export interface PopulateReport {
  /** Binaries now in the root (copied or already current). */
  found: string[];
  /** Of those, the ones copied this time. */
  copied: string[];
  /** Binaries the ipxe dir does not have. */
  missing: string[];
  /** Set when the ipxe dir itself is absent: install Debian's `ipxe` or set the path. */
  warning?: string;
}

export async function populateTftpRoot(root: string, ipxeDir: string, log?: Logger): Promise<PopulateReport> {
  await mkdir(root, { recursive: true });
  const report: PopulateReport = { found: [], copied: [], missing: [] };
  try {
    await stat(ipxeDir);
  } catch {
    report.warning = `iPXE binaries not found: ${ipxeDir} does not exist (install the Debian package 'ipxe' or set the ipxe directory)`;
    report.missing = [...IPXE_BINARIES];
    log?.warn({ ipxeDir }, report.warning);
    return report;
  }
  for (const name of IPXE_BINARIES) {
    const from = join(ipxeDir, name);
    const to = join(root, name);
    const src = await stat(from).catch(() => null);
    if (src === null || !src.isFile()) {
      report.missing.push(name);
      continue;
    }
    const dst = await stat(to).catch(() => null);
    if (dst === null || dst.size !== src.size || Math.floor(dst.mtimeMs) !== Math.floor(src.mtimeMs)) {
      const tmp = `${to}.muster-tmp`;
      await copyFile(from, tmp);
      await utimes(tmp, src.atimeMs / 1000, src.mtimeMs / 1000);
      await rename(tmp, to);
      report.copied.push(name);
    }
    report.found.push(name);
  }
  log?.info({ ipxeDir, found: report.found, copied: report.copied, missing: report.missing }, 'tftp root populated');
  return report;
}
