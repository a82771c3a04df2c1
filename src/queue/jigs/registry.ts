import { MusterError } from '../../errors.js';
import { nodeJig } from './node.js';
import { noopJig } from './noop.js';
import { scriptJig } from './script.js';
import type { Jig } from './types.js';
import { waitJig } from './wait.js';

const jigs = new Map<string, Jig<never>>();

/** Adds a jig (later issues: power, install, capture). Names are unique. */
export function registerJig<A>(jig: Jig<A>): void {
  if (jigs.has(jig.name)) throw new Error(`jig ${jig.name} is registered twice`);
  jigs.set(jig.name, jig as unknown as Jig<never>);
}

export function jigNames(): string[] {
  return [...jigs.keys()].sort();
}

export function getJig(name: string): Jig<unknown> {
  const jig = jigs.get(name);
  if (!jig) throw new MusterError('JIG_UNKNOWN', `no jig named '${name}'; known jigs: ${jigNames().join(', ')}`);
  return jig as unknown as Jig<unknown>;
}

/** The jig's parsed args, or JIG_ARGS_INVALID naming each bad key. */
export function parseJigArgs(jig: Jig<unknown>, args: unknown): unknown {
  const r = jig.args.safeParse(args);
  if (r.success) return r.data;
  const why = r.error.issues.map((i) => `${i.path.join('.') || 'args'}: ${i.message}`).join('; ');
  throw new MusterError('JIG_ARGS_INVALID', `bad args for jig ${jig.name}: ${why}`, { details: r.error.issues });
}

for (const jig of [noopJig, scriptJig, nodeJig, waitJig]) registerJig(jig as Jig<unknown>);
