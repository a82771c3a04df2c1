/** Bounds on a stream read as lines (a module's stderr). */
export interface LineBounds {
  /** bytes kept per line; the rest of a longer line is dropped */
  lineMax: number;
  /** bytes kept per run; everything after is dropped */
  runMax: number;
}

/**
 * Splits a byte stream into lines within fixed bounds, so a process printing without end costs
 * a fixed amount of memory and log. Past the run's budget chunks are only counted, never scanned.
 */
export class BoundedLines {
  private kept = 0;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** bytes dropped so far (past `lineMax` in a line or past `runMax` in the run) */
  dropped = 0;

  constructor(
    private readonly bounds: LineBounds,
    private readonly onLine: (line: string) => void,
  ) {}

  push(chunk: Buffer): void {
    const room = Math.max(0, this.bounds.runMax - this.kept);
    if (chunk.length > room) {
      this.dropped += chunk.length - room;
      chunk = chunk.subarray(0, room);
    }
    this.kept += chunk.length;
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf(0x0a, start)) >= 0) {
      this.add(chunk.subarray(start, nl));
      this.flush();
      start = nl + 1;
    }
    if (start < chunk.length) this.add(chunk.subarray(start));
  }

  /** Emits the last line when it had no newline. */
  end(): void {
    if (this.pendingLen > 0) this.flush();
  }

  private add(part: Buffer): void {
    const room = this.bounds.lineMax - this.pendingLen;
    if (part.length > room) {
      this.dropped += part.length - room;
      part = part.subarray(0, room);
    }
    if (part.length === 0) return;
    this.pending.push(part);
    this.pendingLen += part.length;
  }

  private flush(): void {
    const line = Buffer.concat(this.pending, this.pendingLen).toString('utf8');
    this.pending = [];
    this.pendingLen = 0;
    this.onLine(line);
  }
}
