import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/log.js';
import type { Node } from '../../src/nodes/index.js';
import { renderNodescript, type RenderOptions } from '../../src/nodescripts/render.js';
import { listModules } from '../../src/nodescripts/tree.js';
import { linkModule, writeModule } from './fixture.js';
import { makeNode } from '../helpers/node.js';

const node: Node = makeNode({ mac: '00:00:00:00:00:01', name: 'n0000', vnfs: 'centos', bootenv: '' });
const target = { state: 'init', node: 'n0000', group: 'cluster', vnfs: 'centos' };
const echo = (s: string): string => `#!/bin/sh\necho ${s}\n`;

describe('module list (reference perceus.md §2 points 1-7)', () => {
  let sd: string;
  let opts: RenderOptions;
  before(async () => {
    sd = await mkdtemp(join(tmpdir(), 'muster-tree-'));
    opts = {
      statedir: sd,
      limits: { timeoutMs: 10_000, outputLimit: 1 << 20 },
      failurePolicy: 'ignore',
      vnfs: { vnfsMethod: 'http', vnfsMaster: 'm', vnfsPrefix: '' },
      log: silentLogger(),
    };
    // 3: the same basename in every dir; node wins, then group, all, vnfs
    await writeModule(sd, 'init/vnfs/centos/50-dup', echo('from-vnfs'));
    await writeModule(sd, 'init/all/50-dup', echo('from-all'));
    await writeModule(sd, 'init/group/cluster/50-dup', echo('from-group'));
    await writeModule(sd, 'init/node/n0000/50-dup', echo('from-node'));
    await writeModule(sd, 'init/all/40-grp', echo('from-all'));
    await writeModule(sd, 'init/group/cluster/40-grp', echo('from-group'));
    await writeModule(sd, 'init/vnfs/centos/45-all', echo('from-vnfs'));
    await writeModule(sd, 'init/all/45-all', echo('from-all'));
    // 4: global byte-order sort on basename, across dirs
    await writeModule(sd, 'init/vnfs/centos/10-vnfsinit', echo('v10'));
    await writeModule(sd, 'init/vnfs/centos/89-vnfsinit', echo('v89'));
    await writeModule(sd, 'init/all/00-init', echo('a00'));
    await writeModule(sd, 'init/all/99-zzzlast', echo('a99'));
    await writeModule(sd, 'init/all/B-upper', echo('B'));
    await writeModule(sd, 'init/all/a-lower', echo('a'));
    // 2: filters
    await writeModule(sd, 'init/all/20-backup~', echo('tilde'));
    await writeModule(sd, 'init/all/.20-hidden', echo('dot'));
    await writeModule(sd, 'init/all/20-keep.rpmsave', echo('rpmsave'));
    await mkdir(join(sd, 'nodescripts/init/all/30-a-directory'));
    await linkModule(sd, 'init/all/31-link-to-dir', join(sd, 'nodescripts/init/all/30-a-directory'));
    // 5: symlinks followed; dangling skipped with a warning
    const real = await writeModule(sd, 'modules-store/60-linked', echo('linked'));
    await linkModule(sd, 'init/all/60-linked', real);
    await linkModule(sd, 'init/all/61-dangling', join(sd, 'nowhere'));
    // 7: plain files are sent from the #!/bin/sh line; without one skipped
    await writeModule(sd, 'init/all/70-plain', 'junk line dropped\n#!/bin/sh\necho plain\n', false);
    await writeModule(sd, 'init/all/71-plain-noshebang', 'echo never\n', false);
    // 6: exit status ignored, output kept, later modules run
    await writeModule(sd, 'init/all/80-exit3', '#!/bin/sh\necho before-exit\nexit 3\n');
  });
  after(() => rm(sd, { recursive: true, force: true }));

  it('orders by byte order of basename, whatever the directory (points 3, 4)', async () => {
    const l = await listModules(sd, target);
    assert.deepEqual(
      l.modules.map((m) => m.name),
      [
        '00-init',
        '10-vnfsinit',
        '20-keep.rpmsave',
        '40-grp',
        '45-all',
        '50-dup',
        '60-linked',
        '70-plain',
        '71-plain-noshebang',
        '80-exit3',
        '89-vnfsinit',
        '99-zzzlast',
        'B-upper',
        'a-lower',
      ],
    );
    const from = Object.fromEntries(l.modules.map((m) => [m.name, m.from]));
    assert.equal(from['50-dup'], 'node');
    assert.equal(from['40-grp'], 'group');
    assert.equal(from['45-all'], 'all');
    assert.equal(from['10-vnfsinit'], 'vnfs');
  });

  it('skips ~, dotfiles and directories (also via symlink); warns on a dangling link (points 2, 5)', async () => {
    const l = await listModules(sd, target);
    const names = l.modules.map((m) => m.name);
    for (const skipped of ['20-backup~', '.20-hidden', '30-a-directory', '31-link-to-dir', '61-dangling']) assert.ok(!names.includes(skipped), skipped);
    assert.ok(
      l.warnings.some((w) => w.includes('61-dangling') && w.includes('dangling symlink')),
      l.warnings.join('\n'),
    );
  });

  it('renders: node copy of a duplicate, plain text from #!/bin/sh, exit 3 output kept (points 3, 6, 7)', async () => {
    const r = await renderNodescript({ state: 'init', node, ipaddr: '10.0.0.9' }, opts);
    const text = r.body.toString();
    assert.equal(
      text,
      ['a00', 'v10', 'rpmsave', 'from-group', 'from-all', 'from-node', 'linked', '#!/bin/sh', 'echo plain', '', 'before-exit', 'v89', 'a99', 'B', 'a', ''].join(
        '\n',
      ),
    );
    assert.deepEqual(r.failures, [{ module: '80-exit3', exitCode: 3 }]);
    assert.ok(r.warnings.some((w) => w.includes('71-plain-noshebang') && w.includes("no '#!/bin/sh' line")));
  });

  it('abort policy turns a failing module into an error', async () => {
    await assert.rejects(
      renderNodescript({ state: 'init', node, ipaddr: null }, { ...opts, failurePolicy: 'abort' }),
      (e: Error & { code?: string }) => e.code === 'MODULE_FAILED' && /80-exit3 exited 3/.test(e.message),
    );
  });

  it('never creates directories, and names cannot leave the tree (point 1)', async () => {
    const before = await readdir(join(sd, 'nodescripts/init/node'));
    const l = await listModules(sd, { state: 'init', node: 'new-node', group: '../../../../tmp', vnfs: 'nope' });
    assert.deepEqual(await readdir(join(sd, 'nodescripts/init/node')), before);
    await assert.rejects(stat(join(sd, 'nodescripts/init/vnfs/nope')));
    await assert.rejects(stat(join(sd, 'nodescripts/ready')));
    assert.ok(l.warnings.some((w) => w.includes('not a safe directory name')));
    assert.ok(l.modules.every((m) => m.path.startsWith(join(sd, 'nodescripts/init/'))));
    const none = await listModules(sd, { state: 'ready', node: 'n0000', group: '', vnfs: '' });
    assert.deepEqual(none.modules, []);
    await assert.rejects(stat(join(sd, 'nodescripts/ready')));
  });

  it('refuses a state that is not ^\\w+$', async () => {
    await assert.rejects(listModules(sd, { ...target, state: '../init' }));
    await assert.rejects(listModules(sd, { ...target, state: 'single-user' }));
  });
});
