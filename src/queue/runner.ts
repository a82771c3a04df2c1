import type { Db } from '../db/index.js';
import { isMusterError } from '../errors.js';
import { getJig, parseJigArgs } from './jigs/registry.js';
import { JigFatalError, type JigContext, type JigRun } from './jigs/types.js';
import { LogBuffer } from './log-buffer.js';
import type { ClaimedJob, Outcome } from './types.js';

/** Why a running job's signal was aborted. */
export type AbortKind = 'deadline' | 'cancel' | 'lease' | 'shutdown';

export class JobAbort {
  constructor(readonly kind: AbortKind) {}
}

/**
 * Runs one attempt of a claimed job outside any transaction and says how it ended. Never throws:
 * a jig's exception is the job's failure.
 */
export async function runJob(
  db: Db,
  job: ClaimedJob,
  signal: AbortSignal,
  ctx: JigContext,
  logLimit: number,
  record: Pick<JigRun<unknown>, 'exitFile' | 'onProcess'>,
): Promise<{ outcome: Outcome; log: string }> {
  const log = new LogBuffer(logLimit);
  let outcome: Outcome;
  try {
    const jig = getJig(job.jig);
    const args = parseJigArgs(jig, job.args);
    outcome = await jig.run({ db, job, args, signal, log, ctx, ...record });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const fatal = err instanceof JigFatalError || (isMusterError(err) && err.code.startsWith('JIG_'));
    outcome = { kind: fatal ? 'fatal' : 'failed', error: message };
  }
  if (signal.aborted && (outcome.kind === 'failed' || outcome.kind === 'fatal')) {
    outcome = abortedOutcome(signal.reason, job, outcome.error);
  }
  if (outcome.kind === 'failed' || outcome.kind === 'fatal' || outcome.kind === 'cancelled') log.line(`muster: ${outcome.error}`);
  return { outcome, log: log.toString() };
}

function abortedOutcome(reason: unknown, job: ClaimedJob, error: string): Outcome {
  const kind = reason instanceof JobAbort ? reason.kind : 'deadline';
  switch (kind) {
    case 'cancel':
      return { kind: 'cancelled', error: 'cancelled by the operator while running' };
    case 'shutdown':
      return { kind: 'released' };
    case 'deadline':
      return { kind: 'failed', error: `deadline of ${job.timeout_s} s passed; its processes were killed (${error})` };
    case 'lease':
      return { kind: 'failed', error: `lease lost while running (${error})` };
  }
}
