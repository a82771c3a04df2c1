/**
 * A capsule's nodescripts in the nodescript tree, as Perceus's vnfs import links them:
 * statedir/nodescripts/<state>/vnfs/<name>/<script> → statedir/vnfs/<name>/nodescripts/<state>/<script>,
 * so they run for nodes whose vnfs is <name>. Unlinking removes only links into that image.
 */
import { mkdir, readdir, readlink, rm, symlink, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { imageDir } from './store.js';

function linkDir(statedir: string, state: string, name: string): string {
  return join(resolve(statedir), 'nodescripts', state, 'vnfs', name);
}

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [] as string[];
    throw err;
  });
}

/** Links every script of the image's nodescripts/<state>/ directories; returns the states linked. */
export async function linkCapsuleScripts(statedir: string, name: string): Promise<string[]> {
  const source = join(imageDir(statedir, name), 'nodescripts');
  const states = await names(source);
  for (const state of states) {
    const at = linkDir(statedir, state, name);
    await mkdir(at, { recursive: true });
    for (const script of await names(join(source, state))) {
      const link = join(at, script);
      await rm(link, { force: true });
      await symlink(join(source, state, script), link);
    }
  }
  return states;
}

/** Removes the links into the image's nodescripts (and the directories left empty). */
export async function unlinkCapsuleScripts(statedir: string, name: string): Promise<void> {
  const source = join(imageDir(statedir, name), 'nodescripts');
  const tree = join(resolve(statedir), 'nodescripts');
  for (const state of await names(tree)) {
    const at = linkDir(statedir, state, name);
    for (const script of await names(at)) {
      const target = await readlink(join(at, script)).catch(() => null);
      if (target !== null && dirname(dirname(resolve(at, target))) === source) await unlink(join(at, script));
    }
    if ((await names(at)).length === 0) await rm(at, { recursive: true, force: true });
  }
}
