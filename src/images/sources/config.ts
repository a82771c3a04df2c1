/**
 * A capsule's `config`: Perceus shell variables (KERNEL=…, KERNEL_ARGS="…"). Read, never run: an
 * import must not execute the capsule's shell on the master. Only plain assignments are taken;
 * the last one of a name wins, as in the shell.
 */
export interface CapsuleConfig {
  /** KERNEL: the kernel's path inside rootfs */
  kernel?: string;
  /** KERNEL_ARGS */
  kernelArgs?: string;
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** The value of a shell word: "double" or 'single' quoted, or bare up to a space or comment. */
function word(raw: string): string {
  const v = raw.trim();
  const q = v[0];
  if (q === '"' || q === "'") {
    const end = v.indexOf(q, 1);
    return v.slice(1, end < 0 ? undefined : end);
  }
  return v.split(/\s|#/, 1)[0]!;
}

export function parseCapsuleConfig(text: string): CapsuleConfig {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = ASSIGNMENT.exec(line);
    if (m) vars.set(m[1]!, word(m[2]!));
  }
  const out: CapsuleConfig = {};
  const kernel = vars.get('KERNEL');
  const args = vars.get('KERNEL_ARGS');
  if (kernel) out.kernel = kernel;
  if (args !== undefined) out.kernelArgs = args;
  return out;
}
