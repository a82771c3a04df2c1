export { addEvent, addEvents, listEvents, pruneEvents, EVENTS_CHANNEL, EVENT_LEVELS, EventSchema } from './events.js';
export type { NewEvent, MusterEvent, EventLevel, EventFilter } from './events.js';
