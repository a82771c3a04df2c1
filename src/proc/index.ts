export { runProcess, type RunOptions, type RunResult, type Spawned } from './run.js';
export { findMarked, killMarked, RUN_ID_VAR, type MarkedSearch } from './marked.js';
export type { LineBounds } from './lines.js';
