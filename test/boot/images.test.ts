/**
 * Issue 10, node side, under real QEMU (TCG, SeaBIOS + iPXE) against muster alone in network
 * namespaces: (a) a registered node with bootenv vnfs boots a test VNFS (busybox-static + a
 * Debian kernel, built by test/helpers/test-image.ts) with muster's overlay, which runs
 * provisiond init, execs the image's init and keeps checking in with `ready`; (b) an unknown MAC
 * boots the discovery image built by `muster discovery build` from the .debs, is registered by
 * init with the defaults (bootenv vnfs), reboots, and boots the VNFS to `ready`: the full chain,
 * under SeaBIOS and under OVMF. The image is built by the test and imported through the OCI
 * archive path. One VM at a time (2 shared cores).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLan, netnsUnavailable, type Lan } from '../helpers/netns.js';
import { privatePostgresUnavailable } from '../helpers/private-pg.js';
import { requireOrSkip } from '../helpers/require.js';
import { until } from '../helpers/until.js';
import { buildTestOciArchive, MARKER, testDebs, type TestDebs } from '../helpers/test-image.js';
import { HTTP_PORT, startBootServer, type BootServer } from './qemu/server.js';
import { qemuUnavailable, serialPath, startVm, type Firmware, type Vm } from './qemu/vm.js';

const SUBNET = '10.78.6';
const VNFS = 'testimg';
/** Generous for a loaded 2-core TCG machine: one boot stage (firmware to a running image). */
const STAGE_MS = 240_000;
/** node timeout 20 s: the overlay is told to check in every 10 s (muster.ready=10). */
const NODE_TIMEOUT = 20;

const debs = await testDebs();
const skip = requireOrSkip((await netnsUnavailable()) ?? (await qemuUnavailable()) ?? privatePostgresUnavailable() ?? (typeof debs === 'string' ? debs : null));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

describe('nodes boot a VNFS through the overlay, and discovery registers them', { skip, timeout: 7 * STAGE_MS + 180_000 }, () => {
  let lan: Lan | undefined;
  let server: BootServer | undefined;
  let dir: string | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-images-vm-'));
    lan = await createLan({ subnet: SUBNET, hosts: { srv: 1 } });
    await lan.addTap('tap0');
    // No 'default bootenv': with a default VNFS it is vnfs, so a discovered node boots the image.
    server = await startBootServer(lan, 'srv', SUBNET, { env: { MUSTER_NODE_TIMEOUT: String(NODE_TIMEOUT), MUSTER_VNFS_NAME: VNFS } });
    // The image goes in as an admin brings one: an OCI archive through `muster vnfs import`.
    const archive = join(dir, 'testimg.docker.tar');
    await buildTestOciArchive(dir, debs as TestDebs, archive);
    assert.match(await server.cli(['vnfs', 'import', archive, VNFS]), /VNFS 'testimg' revision 1 is current: .* kernel 6\./);
  });
  after(async () => {
    await server?.stop();
    await lan?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Polls `fn` every 500 ms until it holds; fails with what the console and muster showed. */
  async function stage<T>(vm: Vm, what: string, fn: () => Promise<T | null | undefined | false>, ms = STAGE_MS): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (vm.exited() !== null || Date.now() > end) {
        const console = (await vm.serial()).split('\n').slice(-40).join('\n');
        const log = server!.log().split('\n').slice(-10).join('\n');
        throw new Error(
          `${what}: not seen within ${ms / 1000} s (QEMU: ${vm.exited() ?? 'running'})\n--- serial console (tail) ---\n${console}\n--- muster's log (tail) ---\n${log}`,
        );
      }
      await sleep(500);
    }
  }
  const onConsole = (vm: Vm, re: RegExp) => async () => re.test(await vm.serial());
  const reports = (mac: string, state: string) => async () =>
    (await server!.events('node.report', mac)).filter((e) => (e.data as { state?: string }).state === state);
  const requests = (mac: string, state: string) => async () =>
    (await server!.events('nodescript.request', mac)).filter((e) => (e.data as { state?: string }).state === state);

  /** From the VNFS boot script to `ready`: overlay init, the image's init, check-ins at the interval. */
  async function vnfsBootToReady(vm: Vm, mac: string, since: number, t: { diagnostic(s: string): void }, label: string): Promise<void> {
    await stage(vm, 'the overlay starting', onConsole(vm, new RegExp(`muster: overlay: VNFS ${VNFS}@1,`)));
    t.diagnostic(`${label}: overlay init at ${secs(since)}`);
    const init = await stage(vm, 'provisiond init reported', async () => (await reports(mac, 'init')()).at(-1));
    assert.equal((init.data as { exit: number }).exit, 0, `init nodescripts exit 0: ${init.message}`);
    await stage(vm, "the image's own init", onConsole(vm, new RegExp(MARKER)));
    t.diagnostic(`${label}: image init at ${secs(since)}`);
    await stage(vm, 'status ready', async () => (await server!.node(mac))?.status === 'ready');
    t.diagnostic(`${label}: ready at ${secs(since)}`);
    const name = (await server!.node(mac))!.name;
    assert.match(await server!.cli(['node', 'status', name]), new RegExp(`^${name} +ready `, 'm'));
    assert.match(await server!.cli(['node', 'show', name]), new RegExp(`^${name}: vnfsbooted=${VNFS}@1$`, 'm'), 'node show names the revision it booted');
    // The loop goes on every muster.ready= seconds, past the exec of the image's init.
    await stage(vm, 'a second ready check-in', async () => (await requests(mac, 'ready')()).length >= 2, 6 * NODE_TIMEOUT * 1000);
    const ready = await reports(mac, 'ready')();
    assert.ok(
      ready.every((e) => (e.data as { exit: number }).exit === 0),
      'every ready check-in exited 0',
    );
    const said = (await vm.serial()).split('\n').filter((l) => l.startsWith('muster:') || l.includes(MARKER));
    t.diagnostic(`${label}: ${ready.length} ready check-ins; the console said:\n${said.join('\n')}`);
  }

  it('(a) a registered node boots its VNFS: overlay init, the image init, ready check-ins', { timeout: 2 * STAGE_MS }, async (t) => {
    const mac = '52:54:00:78:06:01';
    await server!.cli(['node', 'add', mac]);
    const name = (await server!.node(mac))!.name;
    await server!.cli(['-y', 'node', 'set', 'bootenv', 'vnfs', name]);
    await server!.cli(['-y', 'node', 'set', 'vnfs', VNFS, name]);
    // A master without a static busybox (CI's has Debian's dynamic one) cannot build them at start:
    // an event and `info boot` say why, and a node is told so instead of being handed a kernel that 404s.
    const [startup] = await until(
      'the start-up boot files event',
      () => server!.events('boot.files.missing'),
      (e) => e.length > 0,
      60_000,
    );
    assert.match(startup!.message, /cannot build the VNFS overlay and discovery: no static busybox.*muster discovery build/);
    assert.match(
      await server!.cli(['info', 'boot']),
      /^Discovery +the master has no discovery vmlinuz and initrd\.img in .*\nVNFS overlay +missing: .*\nLast build .* error: cannot build/m,
    );
    const script = await lan!.run('srv', ['curl', '-s', `http://${SUBNET}.1:${HTTP_PORT}/boot/52-54-00-78-06-99`]);
    assert.match(script, /cannot boot discovery: the master has no discovery vmlinuz and initrd.img/);
    const built = Date.now();
    const out = await server!.cli(['discovery', 'build', '--kernel-deb', (debs as TestDebs).kernelDeb, '--busybox', (debs as TestDebs).busyboxDeb]);
    assert.match(out, /discovery: kernel 6\.\S+ from --kernel-deb .*, \d+ NIC modules/);
    t.diagnostic(`discovery build (CLI): ${secs(built)}`);
    assert.match(await server!.cli(['info', 'boot']), /^Discovery +ready .*\nVNFS overlay +ready /m);

    const vm = startVm(lan!, { firmware: 'seabios', mac, tap: 'tap0', serialFile: serialPath(dir!, 'vnfs'), memoryMb: 512 });
    const started = Date.now();
    try {
      await vnfsBootToReady(vm, mac, started, t, '(a)');
    } finally {
      await vm.kill();
    }
  });

  // The full chain, on both firmwares: a blank machine with an unknown MAC to a running image.
  const CHAIN: Array<[Firmware, string, string]> = [
    ['seabios', '52:54:00:78:06:02', 'SeaBIOS + iPXE'],
    ['ovmf', '52:54:00:78:06:03', 'OVMF (UEFI PXE → TFTP ipxe.efi → iPXE)'],
  ];
  for (const [firmware, mac, label] of CHAIN) {
    it(`(b) ${label}: an unknown MAC boots discovery, is registered, reboots and boots its VNFS`, { timeout: 3 * STAGE_MS }, async (t) => {
      assert.equal(await server!.node(mac), null, 'not registered before it boots');
      const vm = startVm(lan!, { firmware, mac, tap: 'tap0', serialFile: serialPath(dir!, `chain-${firmware}`), memoryMb: 512, reboot: true });
      const started = Date.now();
      try {
        await stage(vm, 'discovery running', onConsole(vm, /muster: discovery, kernel /));
        t.diagnostic(`(b) ${firmware}: discovery init at ${secs(started)}`);
        const node = await stage(vm, 'auto-registration by init', () => server!.node(mac));
        assert.deepEqual({ bootenv: node.bootenv, vnfs: node.vnfs }, { bootenv: 'vnfs', vnfs: VNFS }, 'registered with the defaults');
        await stage(vm, 'the reboot into the bootenv', onConsole(vm, /muster: rebooting into this node's bootenv/));
        t.diagnostic(`(b) ${firmware}: registered as ${node.name}, rebooting at ${secs(started)}`);
        // After the reboot iPXE asks again: the second script is the VNFS one.
        await stage(vm, 'a second boot script', async () => (await server!.events('boot.script', mac)).length >= 2);
        await vnfsBootToReady(vm, mac, started, t, `(b) ${firmware}`);
      } finally {
        await vm.kill();
      }
    });
  }
});
