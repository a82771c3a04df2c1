export { startQueue, JOBS_CHANNEL, type QueueOptions, type QueueHandle, type QueueStats } from './worker.js';
export { addJobs, getJob, listJobs, cancelJob, retryJob, type JobFilter } from './store.js';
export { releaseJob } from './release.js';
export { takeNodeTasks, completeNodeTask, type NodeTasks } from './node-tasks.js';
export { registerJig, getJig, jigNames, parseJigArgs } from './jigs/registry.js';
export type { Jig, JigContext, JigRun } from './jigs/types.js';
export { JigFatalError } from './jigs/types.js';
export { JOB_STATES, FINISHED_STATES, JobSchema, type Job, type JobRef, type JobState, type NewJob } from './types.js';
