import { access, readdir, readFile, stat, lstat } from 'node:fs/promises';
import { constants, type Stats } from 'node:fs';
import { join } from 'node:path';

/**
 * The module list for one request: Perceus's nodescriptlist (reference perceus.md §2), minus its
 * holes. Directories are read, never created; every name that becomes a path component is checked
 * first, so nothing outside statedir/nodescripts can be listed.
 */
export interface ModuleTarget {
  state: string;
  node: string;
  group: string;
  vnfs: string;
}

export interface ModuleEntry {
  /** basename: the de-duplication key and the sort key */
  name: string;
  path: string;
  /** where it came from, for logs */
  from: 'vnfs' | 'all' | 'group' | 'node';
  executable: boolean;
}

export interface ModuleList {
  modules: ModuleEntry[];
  warnings: string[];
}

/** A provisionary state: Perceus's `^\w+$` (ASCII), bounded. */
export const STATE_RE = /^[A-Za-z0-9_]{1,64}$/;
/** A directory name under group/, vnfs/ or node/: one path component, never `.`/`..`. */
const COMPONENT_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function isValidState(s: string): boolean {
  return STATE_RE.test(s);
}

/** Whether a name can be a directory under group/, vnfs/ or node/ (or a module's directory). */
export function isValidComponent(s: string): boolean {
  return COMPONENT_RE.test(s);
}

/** Perceus removed all whitespace from vnfs, group and node names before using them. */
function component(s: string): string {
  return s.replace(/\s+/g, '');
}

/** The directories searched, lowest precedence first: a later one overrides an earlier one. */
export function moduleDirs(statedir: string, t: ModuleTarget, warnings: string[]): { from: ModuleEntry['from']; dir: string }[] {
  const base = join(statedir, 'nodescripts', t.state);
  const dirs: { from: ModuleEntry['from']; dir: string }[] = [];
  const named = (from: 'vnfs' | 'group' | 'node', raw: string): void => {
    const name = component(raw);
    // Empty: Perceus listed <state>/vnfs/ itself; muster lists nothing (a file directly in vnfs/ is not a VNFS's).
    if (name === '') return;
    if (!COMPONENT_RE.test(name)) {
      warnings.push(`${from} name '${name.slice(0, 64)}' is not a safe directory name; ${from} modules skipped`);
      return;
    }
    dirs.push({ from, dir: join(base, from, name) });
  };
  named('vnfs', t.vnfs);
  dirs.push({ from: 'all', dir: join(base, 'all') });
  named('group', t.group);
  named('node', t.node);
  return dirs;
}

/** Builds the ordered, de-duplicated module list. Missing directories are simply empty. */
export async function listModules(statedir: string, t: ModuleTarget): Promise<ModuleList> {
  const warnings: string[] = [];
  if (!isValidState(t.state)) throw new Error(`state '${t.state}' must match ^\\w+$`);
  const byName = new Map<string, ModuleEntry>();
  for (const { from, dir } of moduleDirs(statedir, t, warnings)) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') warnings.push(`cannot read ${dir}: ${(err as Error).message}`);
      continue;
    }
    for (const name of names) {
      if (name.startsWith('.') || name.endsWith('~')) continue;
      const path = join(dir, name);
      const entry = await classify(path, name, from, warnings);
      if (entry) byName.set(name, entry);
    }
  }
  // Perl's default sort: byte order of the basename, whatever directory the module came from.
  const modules = [...byName.values()].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  return { modules, warnings };
}

async function classify(path: string, name: string, from: ModuleEntry['from'], warnings: string[]): Promise<ModuleEntry | null> {
  let st: Stats;
  try {
    st = await stat(path); // follows symlinks: module activation is by symlink
  } catch (err) {
    const dangling = await lstat(path).then(
      (l) => l.isSymbolicLink(),
      () => false,
    );
    warnings.push(dangling ? `${path}: dangling symlink, skipped` : `${path}: ${(err as Error).message}, skipped`);
    return null;
  }
  if (st.isDirectory()) return null;
  if (!st.isFile()) {
    warnings.push(`${path}: not a regular file, skipped`);
    return null;
  }
  const executable = await access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
  return { name, path, from, executable };
}

const SHEBANG = '#!/bin/sh';

/**
 * A non-executable module is sent, not run: everything from its first line that starts with
 * `#!/bin/sh` to the end, plus a newline (Perceus 1.9). Null when there is no such line.
 */
export async function plainModuleText(path: string, limit: number): Promise<string | null> {
  const st = await stat(path);
  if (st.size > limit) throw new RangeError(`${path} is ${st.size} bytes, over the ${limit}-byte output cap`);
  const text = await readFile(path, 'utf8');
  const at = text.startsWith(SHEBANG) ? 0 : text.indexOf('\n' + SHEBANG);
  if (at < 0) return null;
  return text.slice(at === 0 ? 0 : at + 1) + '\n';
}
