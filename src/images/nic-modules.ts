/**
 * The network drivers of a kernel's module tree (/lib/modules/<version>): every module under
 * kernel/drivers/net/ethernet/, virtio_net and virtio_pci (the PCI transport virtio_net needs on
 * QEMU and most clouds), and every module those depend on. copied with the modules.dep and
 * modules.alias that busybox modprobe reads, so a node loads the driver for the NIC it has.
 */
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MusterError } from '../errors.js';
import { moduleName, moduleSuffix, readModinfo, type Modinfo } from './modinfo.js';

const ROOT_DIRS = ['kernel/drivers/net/ethernet/'];
const ROOT_MODULES = ['virtio_net', 'virtio_pci'];

/** Every module file below `dir`, by module name → path relative to `dir`. */
async function listModules(dir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new MusterError('IMAGE_KERNEL_NOT_FOUND', `${dir}: no kernel modules there (the kernel's modules must come with it)`);
    throw err;
  });
  for (const e of entries) {
    if (!e.isFile() || moduleSuffix(e.name) === null) continue;
    const rel = join(e.parentPath, e.name).slice(dir.length + 1);
    found.set(moduleName(e.name), rel);
  }
  return found;
}

interface Selected {
  rel: string;
  info: Modinfo;
}

/** The NIC drivers (or only the modules named) and their dependencies, name → module. */
async function selectNicModules(dir: string, only?: string[]): Promise<Map<string, Selected>> {
  const all = await listModules(dir);
  const wanted = (name: string, rel: string) => (only ? only.includes(name) : ROOT_MODULES.includes(name) || ROOT_DIRS.some((d) => rel.startsWith(d)));
  const todo = [...all].filter(([name, rel]) => wanted(name, rel)).map(([name]) => name);
  const selected = new Map<string, Selected>();
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (selected.has(name)) continue;
    const rel = all.get(name);
    // A dependency built into this kernel has no file: nothing to load.
    if (rel === undefined) continue;
    const info = await readModinfo(join(dir, rel));
    selected.set(name, { rel, info });
    todo.push(...info.depends);
  }
  return selected;
}

/** A module's dependencies, all of them, the most basic last (modules.dep's order: modprobe loads right to left). */
function transitiveDeps(name: string, mods: Map<string, Selected>): string[] {
  const order: string[] = [];
  const seen = new Set<string>([name]);
  const visit = (n: string): void => {
    for (const d of mods.get(n)?.info.depends ?? []) {
      if (seen.has(d) || !mods.has(d)) continue;
      seen.add(d);
      visit(d);
      order.push(d);
    }
  };
  visit(name);
  return order.reverse().map((d) => mods.get(d)!.rel);
}

/**
 * Copies the NIC modules of the tree `fromDir` to `toDir` (both /lib/modules/<version>) with
 * modules.dep and modules.alias. `only` names the drivers to take instead (a test image's
 * virtio_net and virtio_pci). Returns how many modules were copied.
 */
export async function copyNicModules(fromDir: string, toDir: string, only?: string[]): Promise<number> {
  const mods = await selectNicModules(fromDir, only);
  if (mods.size === 0) throw new MusterError('IMAGE_KERNEL_NOT_FOUND', `${fromDir}: no network driver modules (kernel/drivers/net/ethernet/, virtio_net)`);
  const names = [...mods.keys()].sort();
  for (const name of names) {
    const { rel } = mods.get(name)!;
    await mkdir(join(toDir, dirname(rel)), { recursive: true });
    await copyFile(join(fromDir, rel), join(toDir, rel));
  }
  const dep = names
    .map(
      (n) =>
        `${mods.get(n)!.rel}:${transitiveDeps(n, mods)
          .map((d) => ` ${d}`)
          .join('')}\n`,
    )
    .join('');
  const alias = names.flatMap((n) => mods.get(n)!.info.aliases.map((a) => `alias ${a} ${n}\n`)).join('');
  await writeFile(join(toDir, 'modules.dep'), dep);
  await writeFile(join(toDir, 'modules.alias'), alias);
  return mods.size;
}
