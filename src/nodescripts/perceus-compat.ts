import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { PACKAGE_ROOT } from '../paths.js';

/**
 * Perceus modules written in Perl load Perceus's library through fixed paths:
 * `require "/etc/perceus/Perceus_Include.pm"`, then `Perceus::Config::parse_config(
 * "/etc/perceus/perceus.conf")` (ipaddr reads `master network device` so). On a master without
 * Perceus those paths do not exist, and muster does not write /etc/perceus behind the admin's
 * back. Instead muster ships its own small library with the same interface (perceus-compat/,
 * written for muster) and every module runs with PERL5LIB/PERL5OPT loading
 * MusterPerceusCompat.pm, which serves that `require` from muster's stand-in when the Perceus file
 * is absent. The stand-in's parse_config answers Perceus's two config files from files the daemon
 * writes at start from its own settings (below). With Perceus installed nothing is redirected.
 * docs/perceus-modules.md has the details, and the one case it does not cover (perl -T).
 */
export const PERCEUS_COMPAT_DIR = join(PACKAGE_ROOT, 'perceus-compat');

/** The variables that load the compatibility library into any Perl a module starts. */
export function perlCompatEnv(): Record<string, string> {
  return { PERL5LIB: PERCEUS_COMPAT_DIR, PERL5OPT: '-MMusterPerceusCompat' };
}

/** Where the daemon writes perceus.conf and defaults.conf for Perceus::Config: statedir/perceus/. */
export function perceusConfDir(statedir: string): string {
  return join(statedir, 'perceus');
}

type Settings = [key: string, value: string | number | boolean | undefined][];

/** Perceus syntax: `key = value`; an empty value means unset in Perceus, so such keys are left out. */
function confText(file: string, settings: Settings): string {
  const lines = settings.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k} = ${typeof v === 'boolean' ? (v ? '1' : '0') : String(v)}`);
  return `# ${file} for Perceus modules, written by muster at every daemon start from its own settings.\n# Edit muster's configuration, not this file.\n${lines.join('\n')}\n`;
}

/**
 * Writes statedir/perceus/perceus.conf and defaults.conf with Perceus's key names, from the
 * effective config (files, MUSTER_* variables, flags, derived values such as the transfer master).
 */
export async function writePerceusConf(config: Config): Promise<void> {
  const dir = perceusConfDir(config.statedir);
  await mkdir(dir, { recursive: true });
  const d = config.defaults;
  const files: [string, Settings][] = [
    [
      'perceus.conf',
      [
        ['master network device', config.masterDevice],
        ['vnfs transfer method', config.vnfsMethod],
        ['vnfs transfer master', config.vnfsMaster],
        ['vnfs transfer prefix', config.vnfsPrefix],
        ['node timeout', config.nodeTimeout],
      ],
    ],
    [
      'defaults.conf',
      [
        ['Node Name', d.nameTemplate],
        ['First Node', d.firstNode],
        ['Total Nodes', d.totalNodes],
        ['Group Name', d.group],
        ['Vnfs Name', d.vnfs],
        ['Enabled', d.enabled],
        ['Debug', d.debug],
      ],
    ],
  ];
  for (const [name, settings] of files) {
    // Renamed into place: a module reading it while the daemon starts sees the old or the new file.
    const tmp = join(dir, `.${name}.tmp`);
    await writeFile(tmp, confText(name, settings));
    await rename(tmp, join(dir, name));
  }
}
