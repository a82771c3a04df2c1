import { pino, type Logger } from 'pino';

export type { Logger };

/** The daemon's root logger (JSON lines on stderr); domains take `log.child({ mod: '…' })`. */
export function createLogger(level: string = process.env.MUSTER_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination(2));
}

/** A logger that drops everything (tests of pure code, CLI paths that must stay quiet). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
