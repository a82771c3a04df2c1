import { z } from 'zod';

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINISHED_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

/** A job as the API and CLI show it. */
export const JobSchema = z.object({
  id: z.number().int(),
  node: z.string(),
  nodeName: z.string(),
  jig: z.string(),
  args: z.record(z.string(), z.unknown()),
  state: z.enum(JOB_STATES),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  timeoutSeconds: z.number().int(),
  runAfter: z.date(),
  deadline: z.date().nullable(),
  lockedBy: z.string().nullable(),
  leaseUntil: z.date().nullable(),
  cancelRequested: z.boolean(),
  chainId: z.number().int().nullable(),
  chainPos: z.number().int().nullable(),
  idempotencyKey: z.string().nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  result: z.unknown(),
  error: z.string().nullable(),
  log: z.string(),
});
export type Job = z.infer<typeof JobSchema>;

/** What a worker gets from a claim. */
export const ClaimedJobSchema = z.object({
  id: z.number().int(),
  node: z.string(),
  node_name: z.string(),
  jig: z.string(),
  args: z.record(z.string(), z.unknown()),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  timeout_s: z.number().int(),
  deadline: z.date(),
  chain_id: z.number().int().nullable(),
  /** the slot of the global cap it holds; given back when it ends */
  slot: z.number().int(),
  /** the claim number of this attempt: renewals and the finish are fenced on it */
  claim: z.number().int(),
});
export type ClaimedJob = z.infer<typeof ClaimedJobSchema>;

/** How one attempt ended; `muster_finish_job` in 000003_queue.sql maps each to a state. */
export type Outcome =
  | { kind: 'succeeded'; result?: unknown }
  | { kind: 'failed' | 'fatal' | 'cancelled'; error: string }
  | { kind: 'snooze'; afterMs: number }
  | { kind: 'released' }
  | { kind: 'async' };

export interface NewJob {
  /** canonical MAC of the node */
  node: string;
  jig: string;
  args?: Record<string, unknown>;
  maxAttempts?: number;
  timeoutSeconds?: number;
  runAfter?: Date;
  idempotencyKey?: string;
}

export interface JobRef {
  id: number;
  node: string;
  /** false when the idempotency key already named a job (no new job was queued) */
  created: boolean;
}
