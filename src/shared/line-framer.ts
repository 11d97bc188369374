/**
 * Newline-delimited framing for stdio JSON-RPC. Reassembles lines split across reads, bounds the size
 * of one line (an oversized line is dropped up to its newline and reported, the stream goes on), and
 * hands complete lines to `onLine`. Unlike the SDK's ReadBuffer it never drops unparseable lines
 * silently and never discards the whole buffer on overflow: the relay must log what it drops.
 */

export interface LineFramerOptions {
  maxLineBytes: number;
  onLine: (line: string) => void;
  onOversize: (bytes: number) => void;
}

export class LineFramer {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #skipping = false;
  #skippedBytes = 0;
  readonly #opts: LineFramerOptions;

  constructor(opts: LineFramerOptions) {
    this.#opts = opts;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        this.#accumulate(chunk, start, chunk.length);
        return;
      }
      this.#accumulate(chunk, start, nl);
      this.#endLine();
      start = nl + 1;
    }
  }

  /** Flushes a final unterminated line (at end of stream). */
  end(): void {
    if (this.#pendingBytes > 0 || this.#skipping) this.#endLine();
  }

  #accumulate(chunk: Buffer, from: number, to: number): void {
    const len = to - from;
    if (len === 0) return;
    if (this.#skipping) {
      this.#skippedBytes += len;
      return;
    }
    if (this.#pendingBytes + len > this.#opts.maxLineBytes) {
      this.#skipping = true;
      this.#skippedBytes = this.#pendingBytes + len;
      this.#pending = [];
      this.#pendingBytes = 0;
      return;
    }
    this.#pending.push(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to));
    this.#pendingBytes += len;
  }

  #endLine(): void {
    if (this.#skipping) {
      const bytes = this.#skippedBytes;
      this.#skipping = false;
      this.#skippedBytes = 0;
      this.#opts.onOversize(bytes);
      return;
    }
    if (this.#pendingBytes === 0) return;
    const buf = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    let line = buf.toString('utf8');
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim().length > 0) this.#opts.onLine(line);
  }
}
