import type { Writable } from 'node:stream';

/**
 * Whether everything written to `out` (an HTTP response, a socket) reached the OS: true at its
 * 'finish', false when it closed or failed first (the client went away, half-closed an HTTP
 * request, or reset). Attach it before the reply is written: a 'close' that comes first counts.
 */
export function written(out: Writable): Promise<boolean> {
  if (out.writableFinished) return Promise.resolve(true);
  if (out.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const settle = (ok: boolean) => (): void => {
      out.off('finish', onFinish);
      out.off('close', onClose);
      resolve(ok);
    };
    const onFinish = settle(true);
    const onClose = settle(false);
    out.once('finish', onFinish);
    out.once('close', onClose);
  });
}
