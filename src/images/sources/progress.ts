/** Progress as bytes of the source consumed: reported at most every PERIOD_MS, and once at the end. */
export interface UnpackProgress {
  phase: 'unpack';
  done: number;
  total?: number;
}

const PERIOD_MS = 200;

export class Progress {
  private done = 0;
  private last = 0;
  constructor(
    private readonly total: number | undefined,
    private readonly report?: (p: UnpackProgress) => void,
  ) {}

  /** Counts `n` more bytes consumed. */
  add(n: number): void {
    this.done += n;
    const now = performance.now();
    if (now - this.last < PERIOD_MS) return;
    this.last = now;
    this.report?.({ phase: 'unpack', done: this.done, total: this.total });
  }

  end(): void {
    this.report?.({ phase: 'unpack', done: this.total ?? this.done, total: this.total });
  }
}
