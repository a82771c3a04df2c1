/**
 * A streaming tar reader: members come one at a time from an async iterable of byte chunks, each
 * file's data as chunks of its own, so an archive of any size passes through bounded memory. A
 * member's data must be read (or is skipped) before the next member is asked for.
 */
import { BLOCK, decodeHeader, type Invalid, isZeroBlock, MAX_META, MemberNames, type TarMember } from './header.js';

/** Exact-size reads over a chunk iterator. */
class Bytes {
  private buf: Buffer = Buffer.alloc(0);
  private eof = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async fill(): Promise<boolean> {
    if (this.eof) return false;
    const next = await this.it.next();
    if (next.done) {
      this.eof = true;
      return false;
    }
    this.buf = this.buf.length === 0 ? next.value : Buffer.concat([this.buf, next.value]);
    return true;
  }

  /** Exactly `n` bytes, or fewer only at the end of the input. */
  async read(n: number): Promise<Buffer> {
    while (this.buf.length < n && (await this.fill()));
    const out = this.buf.subarray(0, Math.min(n, this.buf.length));
    this.buf = this.buf.subarray(out.length);
    return out;
  }

  /** The next `n` bytes as they arrive; stops short only at the end of the input. */
  async *take(n: number): AsyncGenerator<Buffer> {
    while (n > 0) {
      if (this.buf.length === 0 && !(await this.fill())) return;
      const out = this.buf.subarray(0, Math.min(n, this.buf.length));
      this.buf = this.buf.subarray(out.length);
      n -= out.length;
      yield out;
    }
  }

  /** Reads to the end (so that whatever hashes or checks the input sees all of it). */
  async drain(): Promise<void> {
    this.buf = Buffer.alloc(0);
    while (await this.fill()) this.buf = Buffer.alloc(0);
  }
}

export interface StreamMember extends TarMember {
  /** the member's data (files only carry any), as it arrives; what is left unread is skipped */
  data(): AsyncGenerator<Buffer>;
}

/**
 * Every member in archive order. Throws `invalid` on a bad or truncated header, truncated data, or
 * an input that ends without the end-of-archive block; after that block, the rest is read and dropped.
 */
export async function* readTarStream(chunks: AsyncIterable<Buffer>, invalid: Invalid): AsyncGenerator<StreamMember> {
  const bytes = new Bytes(chunks[Symbol.asyncIterator]());
  const names = new MemberNames(invalid);
  let at = 0;
  while (true) {
    const block = await bytes.read(BLOCK);
    if (block.length < BLOCK) throw invalid(at === 0 && block.length === 0 ? 'empty archive' : `archive is truncated (at byte ${at + block.length})`);
    if (isZeroBlock(block)) break;
    let header: ReturnType<typeof decodeHeader>;
    try {
      header = decodeHeader(block, (message) => new Error(message));
    } catch (err) {
      throw at === 0 ? invalid('not a tar archive (no tar header at its start)') : invalid(`corrupt tar header at byte ${at}: ${(err as Error).message}`);
    }
    at += BLOCK;
    if (MemberNames.meta(header.type)) {
      if (header.size > MAX_META) throw invalid(`a '${header.type}' header of ${header.size} bytes at byte ${at} (more than ${MAX_META})`);
      const data = await bytes.read(header.size);
      if (data.length < header.size) throw invalid(`archive is truncated (in a header at byte ${at})`);
      await bytes.read(padding(header.size));
      at += header.size + padding(header.size);
      names.absorb(header, data);
      continue;
    }
    const member = names.member(header);
    // Links, devices, FIFOs and directories carry no data whatever their size field says (GNU tar, star).
    const size = member.type === '0' || member.type === '\0' || member.type === '7' ? member.size : 0;
    let got = 0;
    const truncated = (): Error => invalid(`archive is truncated (in '${member.path}', ${got} of ${size} bytes)`);
    async function* data(): AsyncGenerator<Buffer> {
      for await (const c of bytes.take(size - got)) {
        got += c.length;
        yield c;
      }
      if (got < size) throw truncated();
    }
    yield { ...member, data };
    // What the consumer left unread is skipped.
    for await (const c of bytes.take(size - got)) got += c.length;
    if (got < size) throw truncated();
    const pad = await bytes.read(padding(size));
    if (pad.length < padding(size)) throw invalid(`archive is truncated (after '${member.path}')`);
    at += size + padding(size);
  }
  await bytes.drain();
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
