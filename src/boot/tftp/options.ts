/**
 * Option negotiation for a read request (RFC 2347). The server answers only the options it
 * accepts, possibly with smaller values; options it does not know or whose values are out of
 * range are left out of the OACK (ignored), as RFC 2347 allows — never an error.
 */
import type { RawOptions } from './codec.js';

/** RFC 2348 bounds. */
export const MIN_BLKSIZE = 8;
export const MAX_BLKSIZE = 65464;
/** RFC 1350 block size, used when the client asks for no blksize. */
export const DEFAULT_BLKSIZE = 512;

export interface NegotiationLimits {
  /** Largest blksize granted (clients asking more get this). */
  maxBlksize: number;
  /** Largest windowsize granted. */
  maxWindowsize: number;
  /**
   * Largest `timeout` option granted, in seconds. RFC 2349 lets the server only accept the value
   * or ignore it, so a larger one is left out of the OACK and the server's own timeout applies:
   * with `timeout 255` one silent client would hold a transfer slot for 255 s per retry.
   */
  maxTimeout: number;
}

export interface TransferParams {
  blksize: number;
  windowsize: number;
  /** Retransmission timeout; from the client's `timeout` option or the server default. */
  timeoutMs: number;
}

export interface Negotiated {
  params: TransferParams;
  /** What goes into the OACK; empty means no OACK, start with DATA block 1. */
  oack: Map<string, string>;
}

/**
 * @param fileSize the size to announce for `tsize`, or null when it is not known in advance
 *   (netascii, where the converted length differs from the file's).
 */
export function negotiate(requested: RawOptions, fileSize: number | null, limits: NegotiationLimits, defaultTimeoutMs: number): Negotiated {
  const params: TransferParams = { blksize: DEFAULT_BLKSIZE, windowsize: 1, timeoutMs: defaultTimeoutMs };
  const oack = new Map<string, string>();
  for (const [name, value] of requested) {
    // The codec guarantees these four are decimal digits.
    const n = Number(value);
    switch (name) {
      case 'blksize':
        if (n >= MIN_BLKSIZE) {
          params.blksize = Math.min(n, limits.maxBlksize, MAX_BLKSIZE);
          oack.set(name, String(params.blksize));
        }
        break;
      case 'windowsize':
        if (n >= 1 && n <= 65535) {
          params.windowsize = Math.min(n, limits.maxWindowsize);
          oack.set(name, String(params.windowsize));
        }
        break;
      case 'timeout':
        if (n >= 1 && n <= Math.min(255, limits.maxTimeout)) {
          params.timeoutMs = n * 1000;
          oack.set(name, String(n));
        }
        break;
      case 'tsize':
        if (fileSize !== null) oack.set(name, String(fileSize));
        break;
    }
  }
  return { params, oack };
}
