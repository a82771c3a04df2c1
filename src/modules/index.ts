// Perceus modules: statedir/modules/<m>/ — import from a .pmod, activation by symlink into roles.
import { activateModule, deactivateModule, deleteModule } from './activation.js';
import { importModule } from './import.js';
import { serially } from './serial.js';

export type { Activated } from './activation.js';
export type { Imported } from './import.js';
export { listModules, moduleInfo, type ModuleInfo } from './store.js';
export { checkRole, ROLE_HELP } from './names.js';

/** The changes, one at a time (see serial.ts). */
export const modules = {
  import: (statedir: string, name: string, archive: Buffer) => serially(() => importModule(statedir, name, archive)),
  activate: (statedir: string, name: string, roles: string[]) => serially(() => activateModule(statedir, name, roles)),
  deactivate: (statedir: string, name: string, roles: string[]) => serially(() => deactivateModule(statedir, name, roles)),
  delete: (statedir: string, name: string) => serially(() => deleteModule(statedir, name)),
};
