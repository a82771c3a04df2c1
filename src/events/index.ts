export { addEvent, addEvents, listEvents, pruneEvents, EVENTS_CHANNEL, EVENT_LEVELS, EventSchema } from './events.js';
export type { NewEvent, MusterEvent, EventLevel, EventFilter } from './events.js';
export { compile, readBatch, startCursor, token, CURSOR_TOKEN } from './read.js';
export type { Compiled, EventQuery, Position } from './read.js';
export { provisionStats, type ProvisionStats } from './stats.js';
