import { pino, type DestinationStream, type LogFn, type Logger } from 'pino';

export type { Logger };

const { chindingsSym } = pino.symbols;
/** A logger's bound keys → their values as JSON text (own property, computed on first use). */
const BOUND = Symbol('muster.log.bound');

type Holder = Record<symbol, unknown>;

function parseBindings(text: string): Map<string, string> {
  const parsed = JSON.parse(`{${text.slice(1)}}`) as Record<string, unknown>;
  return new Map(Object.entries(parsed).map(([k, v]) => [k, JSON.stringify(v)]));
}

function boundOf(logger: Logger): Map<string, string> {
  const holder = logger as unknown as Holder;
  if (Object.hasOwn(holder, BOUND)) return holder[BOUND] as Map<string, string>;
  const bound = parseBindings((holder[chindingsSym] as string | undefined) ?? '');
  holder[BOUND] = bound;
  return bound;
}

/**
 * pino appends a child's bindings to its parent's as text, so a key bound again further down
 * (`mod` by the daemon and again by the module, `mod: 'events'` under the API's `mod: 'api'`)
 * appeared twice in every line. A child that rebinds a key gets its bindings rewritten, once, at
 * creation, keeping the innermost value. Other children cost a key lookup: fastify makes one per
 * request. Installed on the root, it is inherited by every descendant (pino children are
 * Object.create(parent)).
 */
function oneValuePerKey(pinoChild: Logger['child']): Logger['child'] {
  return function child(this: Logger, bindings, options) {
    const made = pinoChild.call(this, bindings, options);
    const inherited = boundOf(this);
    if (Object.keys(bindings).some((k) => inherited.has(k))) {
      const holder = made as unknown as Holder;
      const parentText = ((this as unknown as Holder)[chindingsSym] as string | undefined) ?? '';
      const own = (holder[chindingsSym] as string).slice(parentText.length);
      const merged = new Map([...inherited, ...parseBindings(own)]);
      holder[chindingsSym] = [...merged].map(([k, v]) => `,${JSON.stringify(k)}:${v}`).join('');
      holder[BOUND] = merged;
    }
    return made;
  } as Logger['child'];
}

/**
 * The same for a log call's own object: `log.info(stats)` where stats repeats a bound key (the
 * queue's owner) printed it twice. A repeat with the bound value is dropped from the call; one with
 * a different value is kept, since it says something the binding does not.
 */
function dropRepeatedBindings(this: Logger, args: Parameters<LogFn>, method: LogFn): void {
  const first = args[0] as unknown;
  if (first !== null && typeof first === 'object' && !(first instanceof Error)) {
    const bound = boundOf(this);
    const fields = first as Record<string, unknown>;
    const repeats = (k: string) => bound.has(k) && bound.get(k) === JSON.stringify(fields[k]);
    for (const k in fields) {
      if (!repeats(k)) continue;
      args[0] = Object.fromEntries(Object.entries(fields).filter(([key]) => !repeats(key)));
      break;
    }
  }
  method.apply(this, args);
}

/** The daemon's root logger (JSON lines on stderr); domains take `log.child({ mod: '…' })`. */
export function createLogger(level: string = process.env.MUSTER_LOG_LEVEL ?? 'info', destination: DestinationStream = pino.destination(2)): Logger {
  const root = pino({ level, base: { pid: process.pid }, hooks: { logMethod: dropRepeatedBindings } }, destination);
  root.child = oneValuePerKey(root.child);
  return root;
}

/** A logger that drops everything (tests of pure code, CLI paths that must stay quiet). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
