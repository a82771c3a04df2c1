/**
 * blksize is capped to what one unfragmented packet carries on the interface (issue 9 #15): a
 * real atftp asking blksize 8192 across a 1500-MTU LAN (veths in network namespaces; loopback's
 * MTU is 65536) gets 1468, with the server bound to the wildcard or to its LAN address; on a
 * 9000-MTU LAN it gets 8192; `tftp max blksize` caps it below the MTU.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { createLan, netnsUnavailable, type Lan } from '../../helpers/netns.js';
import { makeFixture, missingTool, sha256File, type Fixture } from './helpers.js';

const skip = (await netnsUnavailable()) || missingTool('atftp', 'atftp');
if (skip && process.env.CI === 'true') throw new Error(`TFTP MTU test cannot run under CI: ${skip}`);

const NET = '10.77.9';
const SERVE = join(import.meta.dirname, 'serve.ts');

describe('TFTP blksize capped to the interface MTU, real atftp across namespaces', { skip }, () => {
  let lan: Lan;
  let fx: Fixture;
  let want: string;
  before(async () => {
    lan = await createLan({ subnet: NET, hosts: { srv: 1, cli: 2 } });
    fx = await makeFixture();
    want = await sha256File(join(fx.root, 'ipxe.efi'));
  });
  after(async () => {
    await lan?.destroy();
    await fx?.cleanup();
  });

  /** Starts a server in srv with these options, fetches ipxe.efi from cli asking blksize 8192: the granted blksize. */
  const granted = async (host: string, extra: Record<string, unknown> = {}) => {
    const server = lan.spawn('srv', [process.execPath, '--import', 'tsx', SERVE, JSON.stringify({ root: fx.root, host, port: 0, maxTransfers: 4, ...extra })]);
    try {
      const port = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /^ready (\d+)$/m.exec(out);
          if (m) resolve(m[1]!);
        });
        void server.then((r) => reject(new Error(`tftp server exited: ${r.all}`)));
      });
      const local = join(fx.dir, `got-${host}-${Object.keys(extra).join('-')}.efi`);
      const r = await execa(
        'ip',
        ['netns', 'exec', lan.hosts.cli!.ns, 'atftp', '--option', 'blksize 8192', '--trace', '-g', '-r', 'ipxe.efi', '-l', local, `${NET}.1`, port],
        { all: true, timeout: 60_000 },
      );
      assert.equal(await sha256File(local), want, 'the file arrives whole');
      // --trace prints the packets: the OACK's value, and the size of the blocks that came
      const oack = /received OACK <blksize: (\d+)/.exec(r.all);
      const block = /DATA <block: 1, size (\d+)>/.exec(r.all);
      assert.ok(oack && block, r.all.slice(0, 2000));
      assert.equal(block[1], oack[1]);
      return Number(oack[1]);
    } finally {
      server.kill('SIGTERM');
      await server;
    }
  };
  const setMtu = async (mtu: number) => {
    for (const h of ['srv', 'cli']) await execa('ip', ['-n', lan.hosts[h]!.ns, 'link', 'set', 'eth0', 'mtu', String(mtu)]);
    for (const v of ['v-srv', 'v-cli']) await execa('ip', ['-n', lan.switchNs, 'link', 'set', v, 'mtu', String(mtu)]);
  };

  it('grants MTU - 32 = 1468 on a 1500 LAN, bound to the wildcard or to the LAN address', async () => {
    assert.match(await lan.run('srv', ['cat', '/sys/class/net/eth0/mtu']), /^1500$/);
    assert.equal(await granted('0.0.0.0'), 1468);
    assert.equal(await granted(`${NET}.1`), 1468);
  });

  it("caps to 'tftp max blksize' when that is lower", async () => {
    assert.equal(await granted('0.0.0.0', { maxBlksize: 1024 }), 1024);
  });

  it('grants the 8192 asked for on a 9000-MTU LAN', async () => {
    await setMtu(9000);
    assert.equal(await granted('0.0.0.0'), 8192);
  });
});
