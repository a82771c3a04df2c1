import { lstat, mkdir, readdir, readlink, rm, rmdir, symlink, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MusterError } from '../errors.js';
import { runHook } from './hooks.js';
import { checkRole, moduleDir, roleDir } from './names.js';
import { activeRoles, defaultRoles, requireModule, scriptNames, writeActiveRoles } from './store.js';

/**
 * Activation is by symlink, as in Perceus (reference perceus.md §6.3–6.4): each file of the
 * module's nodescripts/ gets an absolute link in each role's nodescripts directory, and the roles
 * are listed in the module's .installed. Unlike Perceus, every check runs before the first change
 * and a failed step undoes the steps before it, so a refused command changes nothing.
 */
export interface Activated {
  roles: string[];
  /** what the module's activate script printed */
  output: string;
}

function unique(roles: string[]): string[] {
  return [...new Set(roles)];
}

/** Links the module into the roles (its defaultroles when none are given), then runs its activate script. */
export async function activateModule(statedir: string, name: string, requested: string[]): Promise<Activated> {
  await requireModule(statedir, name);
  const roles = unique(requested.length > 0 ? requested.map(checkRole) : await defaultRoles(statedir, name));
  if (roles.length === 0) {
    throw new MusterError('MODULE_ROLE_INVALID', `Perceus Module '${name}' has no defaultroles: name the roles (muster module activate ${name} init/all)`);
  }
  const active = await activeRoles(statedir, name);
  const again = roles.filter((r) => active.includes(r));
  if (again.length > 0) throw new MusterError('MODULE_ROLE_CONFLICT', `Perceus Module '${name}' is already active in '${again.join("', '")}'`);
  const scripts = await scriptNames(statedir, name);
  const source = join(moduleDir(statedir, name), 'nodescripts');
  const links = roles.flatMap((role) => scripts.map((s) => ({ at: join(roleDir(statedir, role), s), to: join(source, s) })));
  const taken: string[] = [];
  for (const l of links) {
    const there = await lstat(l.at).catch(() => null);
    if (there && !(there.isSymbolicLink() && (await readlink(l.at)) === l.to)) taken.push(l.at);
  }
  if (taken.length > 0) throw new MusterError('MODULE_ROLE_CONFLICT', `not activated: another module or file has the name already: ${taken.join(', ')}`);

  const made: string[] = [];
  const dirs: Array<{ top: string; leaf: string }> = [];
  try {
    for (const l of links) {
      const top = await mkdir(dirname(l.at), { recursive: true });
      if (top !== undefined) dirs.push({ top, leaf: dirname(l.at) });
      if (
        await lstat(l.at).then(
          () => false,
          () => true,
        )
      ) {
        await symlink(l.to, l.at);
        made.push(l.at);
      }
    }
    await writeActiveRoles(statedir, name, [...active, ...roles]);
    return { roles, output: await runHook(statedir, name, 'activate', roles, roles) };
  } catch (err) {
    for (const at of made) await unlink(at).catch(() => undefined);
    for (const d of dirs.reverse()) await removeEmpty(d.top, d.leaf);
    await writeActiveRoles(statedir, name, active);
    throw err;
  }
}

/** Removes exactly the module's links from the roles (all its active roles when none are given). */
export async function deactivateModule(statedir: string, name: string, requested: string[]): Promise<string[]> {
  await requireModule(statedir, name);
  const active = await activeRoles(statedir, name);
  const roles = unique(requested.length > 0 ? requested.map(checkRole) : active);
  const idle = roles.filter((r) => !active.includes(r));
  if (idle.length > 0) {
    const where = active.length > 0 ? `it is active in '${active.join("', '")}'` : 'it is not active anywhere';
    throw new MusterError('MODULE_ROLE_CONFLICT', `Perceus Module '${name}' is not active in '${idle.join("', '")}': ${where}`);
  }
  const source = join(moduleDir(statedir, name), 'nodescripts');
  for (const role of roles) await unlinkFrom(roleDir(statedir, role), source);
  await writeActiveRoles(
    statedir,
    name,
    active.filter((r) => !roles.includes(r)),
  );
  return roles;
}

/** Deactivates the module everywhere, then removes its directory (Perceus's `module delete`). */
export async function deleteModule(statedir: string, name: string): Promise<string[]> {
  const dir = await requireModule(statedir, name);
  const roles = await deactivateModule(statedir, name, []);
  await rm(dir, { recursive: true, force: true });
  return roles;
}

/** Removes the directories from leaf up to top that activation made, as far as they are empty. */
async function removeEmpty(top: string, leaf: string): Promise<void> {
  for (let d = leaf; d.length >= top.length; d = dirname(d)) {
    if (
      !(await rmdir(d).then(
        () => true,
        () => false,
      ))
    )
      return;
  }
}

/** Unlinks every symlink in dir that points into the module's nodescripts/, and nothing else. */
async function unlinkFrom(dir: string, source: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    const at = join(dir, n);
    const target = await readlink(at).catch(() => null);
    if (target !== null && dirname(resolve(dir, target)) === source) await unlink(at);
  }
}
