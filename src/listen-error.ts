import { MusterError, type ErrorCode } from './errors.js';

/** A server the daemon binds, and the muster.conf keys that choose its address and port. */
export interface Listener {
  /** what the admin knows it as: 'admin API', 'node HTTP', 'TFTP' … */
  what: string;
  host: string;
  port: number;
  portKey: string;
  addressKey: string;
}

/**
 * The one way every listener reports a failed bind: which server, which address, why in words,
 * and the setting that moves it — `admin API: 127.0.0.1:8988 is in use (set 'api port' in
 * muster.conf)`. The errno (EADDRINUSE …) stays on `cause` for --debug.
 */
export function listenFailed(code: Extract<ErrorCode, `${string}LISTEN_FAILED`>, l: Listener, err: unknown): MusterError {
  const at = `${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`;
  const set = (key: string) => `set '${key}' in muster.conf`;
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  const why =
    errno === 'EADDRINUSE'
      ? `${at} is in use (${set(l.portKey)}, or stop the server that holds it)`
      : errno === 'EACCES'
        ? `${at}: ports below 1024 need root or CAP_NET_BIND_SERVICE (${set(l.portKey)})`
        : errno === 'EADDRNOTAVAIL'
          ? `${l.host} is not an address of this host (${set(l.addressKey)})`
          : `cannot listen on ${at}: ${(err as Error | undefined)?.message ?? String(err)} (${set(l.portKey)} or '${l.addressKey}')`;
  return new MusterError(code, `${l.what}: ${why}`, { cause: err });
}
