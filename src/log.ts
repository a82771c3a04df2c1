import { pino, type DestinationStream, type LogFn, type Logger } from 'pino';

export type { Logger };

const { chindingsSym } = pino.symbols;
/** Each logger's bound keys → their values as JSON text. */
const BOUND = Symbol('muster.log.bound');

type Holder = Record<symbol, unknown>;

/**
 * pino appends a child's bindings to its parent's as text, so a key bound again further down
 * (`mod` by the daemon and again by the module, `mod: 'events'` under the API's `mod: 'api'`)
 * appeared twice in every line. Each logger's bindings are rewritten once, at creation, keeping
 * the innermost value of each key.
 */
function oneValuePerKey(logger: Logger): void {
  const holder = logger as unknown as Holder;
  const text = (holder[chindingsSym] as string | undefined) ?? '';
  const entries = Object.entries(JSON.parse(`{${text.slice(1)}}`) as Record<string, unknown>).map(([k, v]) => [k, JSON.stringify(v)] as const);
  const merged = entries.map(([k, v]) => `,${JSON.stringify(k)}:${v}`).join('');
  if (merged.length !== text.length) holder[chindingsSym] = merged;
  holder[BOUND] = new Map(entries);
}

/**
 * The same for a log call's own object: `log.info(stats)` where stats repeats a bound key (the
 * queue's owner) printed it twice. A repeat with the bound value is dropped from the call; one with
 * a different value is kept, since it says something the binding does not.
 */
function dropRepeatedBindings(this: Logger, args: Parameters<LogFn>, method: LogFn): void {
  const bound = (this as unknown as Holder)[BOUND] as Map<string, string> | undefined;
  const first: unknown = args[0];
  if (bound && first !== null && typeof first === 'object' && !(first instanceof Error)) {
    const repeats = (k: string, v: unknown) => bound.get(k) === JSON.stringify(v);
    if (Object.entries(first).some(([k, v]) => bound.has(k) && repeats(k, v))) {
      args[0] = Object.fromEntries(Object.entries(first).filter(([k, v]) => !(bound.has(k) && repeats(k, v))));
    }
  }
  method.apply(this, args);
}

/** The daemon's root logger (JSON lines on stderr); domains take `log.child({ mod: '…' })`. */
export function createLogger(level: string = process.env.MUSTER_LOG_LEVEL ?? 'info', destination: DestinationStream = pino.destination(2)): Logger {
  const root = pino({ level, base: { pid: process.pid }, onChild: oneValuePerKey, hooks: { logMethod: dropRepeatedBindings } }, destination);
  oneValuePerKey(root);
  return root;
}

/** A logger that drops everything (tests of pure code, CLI paths that must stay quiet). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
