import type { Logger } from 'pino';
import { MusterError } from '../errors.js';
import type { Node } from '../nodes/index.js';
import { moduleEnv, type VnfsTransfer } from './env.js';
import { MODULE_STDERR, runModule, type ModuleLimits } from './run-module.js';
import { listModules, plainModuleText } from './tree.js';

export type FailurePolicy = 'ignore' | 'abort';

export interface RenderOptions {
  statedir: string;
  limits: ModuleLimits;
  /** 'ignore' (Perceus): a failing module's output is still used; 'abort': the script fails */
  failurePolicy: FailurePolicy;
  vnfs: VnfsTransfer;
  log: Logger;
}

export interface ModuleFailure {
  module: string;
  exitCode: number;
}

export interface Rendered {
  /** the concatenated module output, without framing */
  body: Buffer;
  modules: number;
  failures: ModuleFailure[];
  warnings: string[];
}

const NL = Buffer.from('\n');

/**
 * Renders the whole nodescript for one node and state, module by module in list order. Throws
 * MusterError when the script must not be sent (deadline, output cap, abort policy); the caller
 * turns that into a short failing script.
 */
export async function renderNodescript(req: { state: string; node: Node; ipaddr: string | null }, opts: RenderOptions): Promise<Rendered> {
  const list = await listModules(opts.statedir, { state: req.state, node: req.node.name, group: req.node.group, vnfs: req.node.vnfs });
  const log = opts.log.child({ node: req.node.name, state: req.state });
  for (const w of list.warnings) log.warn(w);
  const env = moduleEnv({ state: req.state, node: req.node, ipaddr: req.ipaddr, statedir: opts.statedir, vnfs: opts.vnfs });
  const parts: Buffer[] = [];
  const failures: ModuleFailure[] = [];
  let total = 0;
  for (const m of list.modules) {
    let out: Buffer;
    if (m.executable) {
      const r = await runModule(m.path, {
        env,
        cwd: opts.statedir,
        limits: opts.limits,
        onStderrLine: (line) => log.warn({ module: m.name }, `module stderr: ${line}`),
      });
      if (r.stderrDropped > 0) {
        log.warn(
          { module: m.name, dropped: r.stderrDropped },
          `module ${m.name}: ${r.stderrDropped} bytes of stderr dropped (lines are cut at ${MODULE_STDERR.lineMax} bytes, ${MODULE_STDERR.runMax} bytes are logged per run)`,
        );
      }
      if (r.exitCode !== 0) {
        failures.push({ module: m.name, exitCode: r.exitCode });
        log.warn({ module: m.name, exitCode: r.exitCode }, `module ${m.name} exited ${r.exitCode}`);
        if (opts.failurePolicy === 'abort') {
          throw new MusterError('MODULE_FAILED', `module ${m.name} exited ${r.exitCode} (module failure = abort)`);
        }
      }
      out = r.stdout;
    } else {
      let text: string | null;
      try {
        text = await plainModuleText(m.path, opts.limits.outputLimit);
      } catch (err) {
        throw new MusterError('MODULE_OUTPUT_TOO_LARGE', (err as Error).message, { cause: err });
      }
      if (text === null) {
        list.warnings.push(`${m.path}: not executable and has no '#!/bin/sh' line, skipped`);
        log.warn({ module: m.name }, `${m.path}: not executable and has no '#!/bin/sh' line, skipped`);
        continue;
      }
      out = Buffer.from(text);
    }
    total += out.length;
    if (total > opts.limits.outputLimit) {
      throw new MusterError('MODULE_OUTPUT_TOO_LARGE', `the nodescript passed the ${opts.limits.outputLimit}-byte output cap at module ${m.name}`);
    }
    parts.push(out);
    // A module whose output lacks a final newline must not glue its last line to the next module's.
    if (out.length > 0 && out[out.length - 1] !== 0x0a) parts.push(NL);
  }
  return { body: Buffer.concat(parts), modules: list.modules.length, failures, warnings: list.warnings };
}
