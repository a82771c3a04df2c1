import { MusterError } from '../../errors.js';

export interface StepSpec {
  jig: string;
  args: Record<string, string>;
}

/**
 * `job run` steps: JIGS is `jig` or `jig+jig+…`; each `--arg k=v` applies to every step, and
 * `--arg N:k=v` to step N (1-based) only.
 */
export function parseSteps(jigs: string, argv: string[]): StepSpec[] {
  const steps = jigs.split('+').map((jig) => {
    if (!/^[a-z][a-z0-9_-]*$/.test(jig)) throw new MusterError('REQUEST_INVALID', `'${jig}' is not a jig name (write jig or jig+jig+…)`);
    return { jig, args: {} as Record<string, string> };
  });
  for (const a of argv) {
    const m = /^(?:(\d+):)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a);
    if (!m) throw new MusterError('REQUEST_INVALID', `--arg '${a}' is not key=value or N:key=value`);
    const targets = m[1] === undefined ? steps : [steps[Number(m[1]) - 1]];
    if (targets[0] === undefined) throw new MusterError('REQUEST_INVALID', `--arg '${a}' names step ${m[1]}, but there are ${steps.length}`);
    for (const s of targets) s!.args[m[2]!] = m[3]!;
  }
  return steps;
}
