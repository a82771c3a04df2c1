import { join, resolve } from 'node:path';
import { MusterError } from '../errors.js';
import { isValidComponent, isValidState } from '../nodescripts/index.js';

/**
 * Module names and roles (reference perceus.md §6.2). A role names one nodescripts directory:
 * `<state>/all`, `<state>/group/<g>`, `<state>/node/<n>` or `<state>/vnfs/<v>`. Perceus took
 * only `[A-Za-z0-9]` in each part, so `init/group/my-grp` was refused; muster takes every name
 * the nodescript tree itself can serve (the same checks), so any group or node can be a role.
 */
export const ROLE_HELP = 'a role is <state>/all, <state>/group/<group>, <state>/node/<node> or <state>/vnfs/<vnfs> (e.g. init/all)';

export function checkModuleName(name: string): string {
  if (!isValidComponent(name)) {
    throw new MusterError(
      'MODULE_NAME_INVALID',
      `'${name.slice(0, 64)}' is not a module name: use letters, digits, '.', '_' and '-', not starting with '.' or '-'`,
    );
  }
  return name;
}

/** The role as written, checked; throws MODULE_ROLE_INVALID. */
export function checkRole(role: string): string {
  const parts = role.split('/');
  const [state, kind, name] = parts;
  const ok =
    state !== undefined &&
    isValidState(state) &&
    ((parts.length === 2 && kind === 'all') ||
      (parts.length === 3 && (kind === 'group' || kind === 'node' || kind === 'vnfs') && name !== undefined && isValidComponent(name)));
  if (!ok) throw new MusterError('MODULE_ROLE_INVALID', `'${role.slice(0, 128)}' is not a role: ${ROLE_HELP}`);
  return role;
}

/** statedir/modules: one directory per module; names starting with '.' are muster's own (imports in progress). */
export function modulesDir(statedir: string): string {
  return join(resolve(statedir), 'modules');
}

export function moduleDir(statedir: string, name: string): string {
  return join(modulesDir(statedir), checkModuleName(name));
}

/** The nodescripts directory a role's links go into (the one the tree reads, src/nodescripts/tree.ts). */
export function roleDir(statedir: string, role: string): string {
  return join(resolve(statedir), 'nodescripts', checkRole(role));
}
