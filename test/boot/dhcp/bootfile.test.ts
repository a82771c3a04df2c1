import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseBoot, DEFAULT_BOOT } from '../../../src/boot/dhcp/bootfile.js';
import { makeBootConfig } from '../../../src/boot/dhcp/settings.js';

const MAC = '52:54:00:12:34:56';
const cfg = { ...DEFAULT_BOOT, httpPort: 8080 };
const pick = (o: Parameters<typeof chooseBoot>[0], c = cfg) => chooseBoot(o, MAC, '10.0.0.1', c);

describe('dhcp boot file by firmware', () => {
  it('gives legacy BIOS PXE undionly.kpxe', () => {
    assert.deepEqual(pick({ vendorClass: 'PXEClient:Arch:00000:UNDI:002001', clientArch: [0] }), {
      kind: 'bios',
      bootfile: 'undionly.kpxe',
      vendorClass: 'PXEClient',
      arch: 0,
    });
  });

  it('gives UEFI x86-64 (arch 7 and 9) ipxe.efi, read from option 93 or the vendor class', () => {
    assert.equal(pick({ vendorClass: 'PXEClient:Arch:00007:UNDI:003000', clientArch: [7] })?.bootfile, 'ipxe.efi');
    assert.equal(pick({ vendorClass: 'PXEClient:Arch:00009:UNDI:003000' })?.bootfile, 'ipxe.efi');
  });

  it('uses the configured UEFI binary (snponly.efi) and per-arch overrides', () => {
    const c = makeBootConfig({ uefi: 'snponly.efi', httpPort: 8080, byArch: { '11': 'ipxe-arm64.efi' } });
    assert.equal(pick({ vendorClass: 'PXEClient', clientArch: [9] }, c)?.bootfile, 'snponly.efi');
    assert.equal(pick({ vendorClass: 'PXEClient', clientArch: [11] }, c)?.bootfile, 'ipxe-arm64.efi');
  });

  it('gives iPXE the HTTP URL of its script, never a TFTP file', () => {
    const b = pick({ vendorClass: 'PXEClient:Arch:00000:UNDI:002001', userClass: ['iPXE'] });
    assert.equal(b?.kind, 'ipxe');
    assert.equal(b?.bootfile, 'http://10.0.0.1:8080/boot/52-54-00-12-34-56');
    // iPXE identified by option 175 alone
    assert.equal(pick({ vendorClass: 'PXEClient:Arch:00007:UNDI:003010', ipxe: new Map() })?.kind, 'ipxe');
  });

  it('gives UEFI HTTP boot the EFI binary over HTTP and echoes HTTPClient', () => {
    assert.deepEqual(pick({ vendorClass: 'HTTPClient:Arch:00016:UNDI:003000', clientArch: [16] }), {
      kind: 'uefi-http',
      bootfile: 'http://10.0.0.1:8080/files/tftp/ipxe.efi',
      vendorClass: 'HTTPClient',
      arch: 16,
    });
  });

  it('leaves the port out of URLs on port 80', () => {
    assert.equal(pick({ userClass: ['iPXE'] }, DEFAULT_BOOT)?.bootfile, 'http://10.0.0.1/boot/52-54-00-12-34-56');
  });

  it('gives nothing to plain DHCP clients and to unmapped architectures', () => {
    assert.equal(pick({ vendorClass: 'udhcp 1.35.0' }), null);
    assert.equal(pick({}), null);
    assert.equal(pick({ vendorClass: 'PXEClient:Arch:00011:UNDI:003000' }), null);
  });

  it('refuses a bad boot mapping with CONFIG_INVALID', () => {
    assert.throws(() => makeBootConfig({ httpPort: 0 }), /CONFIG|httpPort/);
    assert.throws(() => makeBootConfig({ byArch: { x: 'a.efi' } }), /byArch/);
  });
});
