/**
 * A job's captured output, bounded: the first and last `limit/2` bytes are kept and the middle is
 * replaced by one line saying how much was dropped, so a script that prints without end costs a
 * fixed amount of memory and database space while its start and its end stay readable.
 */
export class LogBuffer {
  private head = '';
  private tail = '';
  private dropped = 0;
  private readonly half: number;

  constructor(limit = 64 * 1024) {
    this.half = Math.floor(limit / 2);
  }

  append(text: string): void {
    if (this.head.length < this.half) {
      const room = this.half - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
    }
    if (text.length === 0) return;
    this.tail += text;
    if (this.tail.length > this.half) {
      this.dropped += this.tail.length - this.half;
      this.tail = this.tail.slice(this.tail.length - this.half);
    }
  }

  line(text: string): void {
    this.append(text.endsWith('\n') ? text : `${text}\n`);
  }

  get droppedChars(): number {
    return this.dropped;
  }

  toString(): string {
    if (this.dropped === 0) return this.head + this.tail;
    return `${this.head}\n[muster: ${this.dropped} characters of output dropped]\n${this.tail}`;
  }
}
