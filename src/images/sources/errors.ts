/** The errors an import source raises, so every file words them alike. */
import { MusterError } from '../../errors.js';

/** The source cannot be read as an image (corrupt, truncated, incomplete). */
export const invalid = (message: string): MusterError => new MusterError('IMAGE_SOURCE_INVALID', message);

/** A member would land outside the image. */
export const unsafe = (message: string): MusterError => new MusterError('IMAGE_SOURCE_UNSAFE', message);

/** Throws IMAGE_IMPORT_ABORTED once `signal` has fired: checked between members and chunks. */
export function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MusterError('IMAGE_IMPORT_ABORTED', 'import cancelled', { cause: signal.reason });
}
