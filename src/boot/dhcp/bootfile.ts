/**
 * Which boot file a network-boot client gets, decided from what its firmware says about itself.
 * Pure. The chain is: PXE ROM → iPXE binary over TFTP → iPXE asks again (user class `iPXE`) and
 * gets the HTTP URL of its script, so iPXE never loops back into TFTP.
 */
import { macHexhyp } from '../../nodes/index.js';
import type { DhcpOptions } from './options.js';

export interface BootConfig {
  /** Legacy BIOS PXE (arch 0). */
  bios: string;
  /** UEFI x86-64 PXE (arch 7 and 9): `ipxe.efi` or `snponly.efi`. */
  uefi: string;
  /** The EFI binary UEFI HTTP-boot clients fetch from `/files/tftp/<this>` (the TFTP root over HTTP). */
  uefiHttp: string;
  httpPort: number;
  /** Extra or overriding boot files by client architecture (RFC 4578 option 93), e.g. {11: 'ipxe-arm64.efi'}. */
  byArch?: Record<number, string>;
}

export const DEFAULT_BOOT: BootConfig = { bios: 'undionly.kpxe', uefi: 'ipxe.efi', uefiHttp: 'ipxe.efi', httpPort: 80 };

export type ClientKind = 'bios' | 'uefi' | 'ipxe' | 'uefi-http';

export interface BootChoice {
  kind: ClientKind;
  /** A TFTP path or an HTTP URL. */
  bootfile: string;
  /** The vendor class the reply must carry (UEFI HTTP boot ignores offers without `HTTPClient`). */
  vendorClass: 'PXEClient' | 'HTTPClient';
  arch: number | null;
}

/** Architecture from option 93, else from a vendor class like `PXEClient:Arch:00007:UNDI:003000`. */
export function clientArch(o: DhcpOptions): number | null {
  if (o.clientArch && o.clientArch.length > 0) return o.clientArch[0]!;
  const m = /:Arch:(\d{5})/.exec(o.vendorClass ?? '');
  return m ? Number(m[1]) : null;
}

export function isPxeClient(o: DhcpOptions): boolean {
  const vc = o.vendorClass ?? '';
  return vc.startsWith('PXEClient') || vc.startsWith('HTTPClient');
}

/** iPXE says so with user class `iPXE` (bare or RFC 3004) or by sending its option 175. */
export function isIpxe(o: DhcpOptions): boolean {
  return (o.userClass ?? []).includes('iPXE') || o.ipxe !== undefined;
}

const UEFI_X64 = [7, 9];

/**
 * The boot file for a client, or null when it is not booting from the network (no PXE vendor
 * class and not iPXE) or its architecture has no mapping.
 */
export function chooseBoot(o: DhcpOptions, mac: string, server: string, cfg: BootConfig): BootChoice | null {
  const arch = clientArch(o);
  const http = `http://${server}${cfg.httpPort === 80 ? '' : `:${cfg.httpPort}`}`;
  if (isIpxe(o)) return { kind: 'ipxe', bootfile: `${http}/boot/${macHexhyp(mac)}`, vendorClass: 'PXEClient', arch };
  if ((o.vendorClass ?? '').startsWith('HTTPClient')) {
    return { kind: 'uefi-http', bootfile: `${http}/files/tftp/${cfg.uefiHttp}`, vendorClass: 'HTTPClient', arch };
  }
  if (!isPxeClient(o)) return null;
  const mapped = arch === null ? undefined : cfg.byArch?.[arch];
  if (mapped !== undefined) return { kind: arch === 0 ? 'bios' : 'uefi', bootfile: mapped, vendorClass: 'PXEClient', arch };
  if (arch === null || arch === 0) return { kind: 'bios', bootfile: cfg.bios, vendorClass: 'PXEClient', arch };
  if (UEFI_X64.includes(arch)) return { kind: 'uefi', bootfile: cfg.uefi, vendorClass: 'PXEClient', arch };
  return null;
}
