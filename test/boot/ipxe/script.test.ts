import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node } from '../../../src/nodes/types.js';
import { bootScriptFor, chainScript, renderBootScript, MAX_TEMPLATE_BYTES, type BootContext } from '../../../src/boot/ipxe/index.js';
import { makeNode } from '../../helpers/node.js';

// The vnfs bootenv's revision is read from the library by the route; ignored for other bootenvs.
const ctx: BootContext = { addr: '10.0.0.1', httpPort: 8987, kernelArgs: 'console=ttyS0,115200n8 quiet', vnfs: { revision: 3, kernelArgs: 'ro' } };
const base = 'http://10.0.0.1:8987';

const node = (fields: Partial<Node> = {}): Node => makeNode({ name: 'n0001', vnfs: 'centos7', ...fields });

const args = 'masterip=10.0.0.1 muster.http=http://10.0.0.1:8987 BOOTIF=01-52-54-00-12-34-56 console=ttyS0,115200n8 quiet';
const retry = `chain --replace ${base}/boot/52-54-00-12-34-56\n`;
const kernelTail = `boot || goto failed\n:failed\necho muster: boot failed, asking muster again in 10 s\nsleep 10\n`;
const errorScript = (msg: string) => `#!ipxe\necho muster: ${msg}\nprompt --timeout 30000 Press any key within 30 s for the iPXE shell && shell ||\n${retry}`;
const local = (msg: string) => `#!ipxe\necho muster: ${msg}\niseq \${platform} pcbios && sanboot --no-describe --drive 0x80 ||\nexit\n`;

test("ipxe.chainScript chains to the per-MAC script with iPXE's hexhyp MAC", () => {
  assert.equal(
    chainScript(ctx),
    `#!ipxe\n:retry\nchain --replace ${base}/boot/\${net0/mac:hexhyp} || goto failed\n:failed\necho muster: cannot fetch the boot script, retrying in 10 s\nsleep 10\ngoto retry\n`,
  );
  assert.match(chainScript({ ...ctx, addr: 'fd00::1' }), /chain --replace http:\/\/\[fd00::1\]:8987\/boot\//);
  assert.throws(() => chainScript({ ...ctx, addr: '10.0.0.1\nshell' }), { code: 'REQUEST_INVALID' });
});

test('ipxe.renderBootScript renders each built-in bootenv exactly', () => {
  const cases: Array<[string, Node | null, string]> = [
    [
      'unknown MAC → discovery',
      null,
      `#!ipxe\necho muster: unknown node boots discovery (unregistered MAC)\n` +
        `kernel ${base}/files/bootenvs/discovery/vmlinuz initrd=initrd.img masterip=10.0.0.1 muster.http=${base} BOOTIF=01-\${net0/mac:hexhyp} console=ttyS0,115200n8 quiet || goto failed\n` +
        `initrd --name initrd.img ${base}/files/bootenvs/discovery/initrd.img || goto failed\n${kernelTail}chain --replace ${base}/boot/\${net0/mac:hexhyp}\n`,
    ],
    [
      'discovery',
      node(),
      `#!ipxe\necho muster: n0001 (52:54:00:12:34:56) boots discovery\n` +
        `kernel ${base}/files/bootenvs/discovery/vmlinuz initrd=initrd.img ${args} || goto failed\n` +
        `initrd --name initrd.img ${base}/files/bootenvs/discovery/initrd.img || goto failed\n${kernelTail}${retry}`,
    ],
    [
      'vnfs without the overlay',
      node({ bootenv: 'vnfs' }),
      `#!ipxe\necho muster: n0001 (52:54:00:12:34:56) boots vnfs centos7 revision 3 (no muster overlay: the image's init runs without provisiond)\n` +
        `kernel ${base}/files/vnfs/centos7/revisions/3/vmlinuz initrd=vnfs.img ${args} ro || goto failed\n` +
        `initrd --name vnfs.img ${base}/files/vnfs/centos7/revisions/3/vnfs.img || goto failed\n${kernelTail}${retry}`,
    ],
    ['local', node({ bootenv: 'local' }), local('n0001 (52:54:00:12:34:56) boots the local disk')],
    ['disabled node never provisions', node({ enabled: false, bootenv: 'discovery' }), local('n0001 (52:54:00:12:34:56) is disabled, booting the local disk')],
    [
      'vnfs without a VNFS',
      node({ bootenv: 'vnfs', vnfs: '' }),
      errorScript('n0001 (52:54:00:12:34:56): bootenv vnfs but no VNFS set (muster node set vnfs <name> n0001)'),
    ],
    ['vnfs name with a path', node({ bootenv: 'vnfs', vnfs: '../../etc' }), errorScript("n0001 (52:54:00:12:34:56): VNFS name '../../etc' is not valid")],
    [
      'unknown bootenv',
      node({ bootenv: 'rescue' }),
      errorScript("n0001 (52:54:00:12:34:56): bootenv 'rescue' does not exist (create bootenvs/rescue.ipxe in the statedir)"),
    ],
    [
      'bootenv traversal, iPXE syntax shown inert',
      node({ bootenv: '../x${net0}' }),
      errorScript("n0001 (52:54:00:12:34:56): bootenv name '../x??net0?' is not valid"),
    ],
  ];
  for (const [name, n, want] of cases) assert.equal(renderBootScript(n, ctx), want, name);
  assert.equal(
    renderBootScript(node({ bootenv: 'vnfs' }), { ...ctx, vnfs: null }),
    errorScript("n0001 (52:54:00:12:34:56): VNFS 'centos7' has no bootable revision (muster vnfs list; muster vnfs import SRC centos7)"),
    'a VNFS with no revision is said on the console, not a 404',
  );
  // With the overlay: it is loaded after vnfs.img, runs first, and is told the image and the check-in interval.
  assert.equal(
    renderBootScript(node({ bootenv: 'vnfs' }), { ...ctx, overlay: true, readyInterval: 300 }),
    `#!ipxe\necho muster: n0001 (52:54:00:12:34:56) boots vnfs centos7 revision 3\n` +
      `kernel ${base}/files/vnfs/centos7/revisions/3/vmlinuz initrd=vnfs.img initrd=overlay.img rdinit=/.muster/init muster.vnfs=centos7@3 muster.ready=300 ${args} ro || goto failed\n` +
      `initrd --name vnfs.img ${base}/files/vnfs/centos7/revisions/3/vnfs.img || goto failed\n` +
      `initrd --name overlay.img ${base}/files/bootenvs/vnfs/overlay.img || goto failed\n${kernelTail}${retry}`,
  );
  // Missing discovery files: the node is told why, never handed a kernel that 404s.
  const missing = { ...ctx, discoveryMissing: 'no discovery files (run muster discovery build)' };
  assert.equal(
    renderBootScript(node(), missing),
    errorScript('n0001 (52:54:00:12:34:56): cannot boot discovery: no discovery files (run muster discovery build)'),
  );
  assert.match(renderBootScript(null, missing), /^echo muster: unknown node: cannot boot discovery: no discovery files \(run muster discovery build\)$/m);
  assert.match(renderBootScript(node(), { ...ctx, kernelArgs: '' }), /BOOTIF=01-52-54-00-12-34-56 \|\| goto failed/, 'no trailing space without extra args');
});

test('ipxe.renderBootScript fills admin templates with {{field}} and leaves ${...} to iPXE', () => {
  const n = node({ bootenv: 'rescue', ipaddr: '10.0.0.21', desc: 'rack 3' });
  const template = '#!ipxe\n# {{name}} in {{group}}, {{desc}}\nkernel {{baseurl}}/rescue/vmlinuz ip={{ipaddr}} {{kernelargs}} mac=${net0/mac}\nboot\n';
  assert.equal(
    renderBootScript(n, { ...ctx, template }),
    `#!ipxe\n# n0001 in cluster, rack 3\nkernel ${base}/rescue/vmlinuz ip=10.0.0.21 ${args} mac=\${net0/mac}\nboot\n`,
  );
  const refused: Array<[string, string, Partial<Node>, RegExp]> = [
    ['typo in a field', '#!ipxe\necho {{nmae}}\n', {}, /unknown field ..nmae..,/],
    ['not an iPXE script', 'kernel x\n', {}, /does not start with #!ipxe/],
    ['too big', `#!ipxe\n${'#'.repeat(MAX_TEMPLATE_BYTES)}\n`, {}, /larger than 65536 bytes/],
    ['newline in a value would inject commands', '#!ipxe\necho {{desc}}\n', { desc: 'x\nshell' }, /node field desc holds a control character/],
  ];
  for (const [name, text, fields, want] of refused) {
    const script = renderBootScript(node({ bootenv: 'rescue', ...fields }), { ...ctx, template: text });
    assert.match(script, /^#!ipxe\necho muster: n0001 \(52:54:00:12:34:56\): bootenv 'rescue': /, name);
    assert.match(script, want, name);
    assert.ok(script.endsWith(retry), name);
  }
});

test('ipxe.bootScriptFor reads statedir/bootenvs/<name>.ipxe on every call', async () => {
  const statedir = await mkdtemp(join(tmpdir(), 'muster-ipxe-'));
  try {
    const n = node({ bootenv: 'rescue' });
    assert.match(await bootScriptFor(n, ctx, statedir), /bootenv 'rescue' does not exist/);
    await mkdir(join(statedir, 'bootenvs'));
    await writeFile(join(statedir, 'bootenvs', 'rescue.ipxe'), '#!ipxe\necho rescue {{name}}\n');
    assert.equal(await bootScriptFor(n, ctx, statedir), '#!ipxe\necho rescue n0001\n');
    await writeFile(join(statedir, 'bootenvs', 'rescue.ipxe'), '#!ipxe\necho changed\n');
    assert.equal(await bootScriptFor(n, ctx, statedir), '#!ipxe\necho changed\n', 'no caching: an edit takes effect at once');
    await writeFile(join(statedir, 'bootenvs', 'local.ipxe'), '#!ipxe\necho not used\n');
    assert.match(await bootScriptFor(node({ bootenv: 'local' }), ctx, statedir), /sanboot/, 'built-in names are reserved');
    await writeFile(join(statedir, 'bootenvs', 'huge.ipxe'), `#!ipxe\n${'#'.repeat(2 * MAX_TEMPLATE_BYTES)}\n`);
    assert.match(await bootScriptFor(node({ bootenv: 'huge' }), ctx, statedir), /larger than 65536 bytes/);
    // Discovery: the node is told the files are missing until both exist, and booted once they do.
    assert.match(await bootScriptFor(null, ctx, statedir), /cannot boot discovery: the master has no discovery vmlinuz and initrd\.img/);
    await mkdir(join(statedir, 'bootenvs', 'discovery'));
    await writeFile(join(statedir, 'bootenvs', 'discovery', 'vmlinuz'), 'k');
    assert.match(await bootScriptFor(null, ctx, statedir), /no discovery initrd\.img in /);
    await writeFile(join(statedir, 'bootenvs', 'discovery', 'initrd.img'), 'i');
    assert.match(await bootScriptFor(null, ctx, statedir), /boots discovery \(unregistered MAC\)/);
    // The vnfs bootenv: the overlay once it exists (the revision comes from the library, in ctx).
    const v = node({ bootenv: 'vnfs', vnfs: 'img' });
    assert.match(await bootScriptFor(v, ctx, statedir), /no muster overlay/);
    await mkdir(join(statedir, 'bootenvs', 'vnfs'));
    await writeFile(join(statedir, 'bootenvs', 'vnfs', 'overlay.img'), 'o');
    assert.match(await bootScriptFor(v, ctx, statedir), /initrd=vnfs\.img initrd=overlay\.img rdinit=\/\.muster\/init muster\.vnfs=img@3 /);
  } finally {
    await rm(statedir, { recursive: true, force: true });
  }
});
