/**
 * Newline-delimited framing for stdio JSON-RPC. Reassembles lines split across reads, bounds the size
 * of one line (an oversized line is dropped up to its newline and reported, the stream goes on), and
 * hands complete lines to `onLine`. Unlike the SDK's ReadBuffer it never drops unparseable lines
 * silently and never discards the whole buffer on overflow: the relay must log what it drops.
 *
 * With `jsonOnly`, a line whose first non-blank byte cannot start a JSON-RPC message (`{` or `[`) is
 * decided at that byte: it is skipped as it streams, never held, and reported once with a short prefix.
 * Only lines that may be messages are buffered, up to `maxLineBytes`.
 */

export interface LineFramerOptions {
  maxLineBytes: number;
  onLine: (line: string) => void;
  onOversize: (bytes: number) => void;
  /** Skip lines that cannot be JSON-RPC as they stream (child stdout). */
  jsonOnly?: boolean;
  /** A skipped non-JSON line: its first bytes (at most PREFIX_BYTES) and its whole length. */
  onNonJson?: (prefix: string, bytes: number) => void;
}

const PREFIX_BYTES = 200;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const isBlank = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0d;

type Mode = 'start' | 'keep' | 'oversize' | 'nonjson';

export class LineFramer {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #mode: Mode = 'start';
  #skippedBytes = 0;
  #prefix: Buffer[] = [];
  #prefixBytes = 0;
  readonly #opts: LineFramerOptions;

  constructor(opts: LineFramerOptions) {
    this.#opts = opts;
  }

  /** Bytes held for the current, unfinished line (what a stream without newlines costs). */
  get bufferedBytes(): number {
    return this.#pendingBytes + this.#prefixBytes;
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
    if (this.#mode !== 'start' || this.#pendingBytes > 0) this.#endLine();
  }

  #accumulate(chunk: Buffer, from: number, to: number): void {
    if (to - from === 0) return;
    if (this.#mode === 'start' && this.#opts.jsonOnly) {
      let i = from;
      while (i < to && isBlank(chunk[i]!)) i += 1;
      if (i === to) return; // leading blanks only, so far
      const first = chunk[i]!;
      this.#mode = first === OPEN_BRACE || first === OPEN_BRACKET ? 'keep' : 'nonjson';
      from = i;
    } else if (this.#mode === 'start') {
      this.#mode = 'keep';
    }
    const len = to - from;
    if (this.#mode === 'nonjson') {
      this.#skippedBytes += len;
      if (this.#prefixBytes < PREFIX_BYTES) {
        const take = Math.min(len, PREFIX_BYTES - this.#prefixBytes);
        this.#prefix.push(Buffer.from(chunk.subarray(from, from + take)));
        this.#prefixBytes += take;
      }
      return;
    }
    if (this.#mode === 'oversize') {
      this.#skippedBytes += len;
      return;
    }
    if (this.#pendingBytes + len > this.#opts.maxLineBytes) {
      this.#mode = 'oversize';
      this.#skippedBytes = this.#pendingBytes + len;
      this.#pending = [];
      this.#pendingBytes = 0;
      return;
    }
    this.#pending.push(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to));
    this.#pendingBytes += len;
  }

  #endLine(): void {
    const mode = this.#mode;
    this.#mode = 'start';
    if (mode === 'oversize') {
      const bytes = this.#skippedBytes;
      this.#skippedBytes = 0;
      this.#opts.onOversize(bytes);
      return;
    }
    if (mode === 'nonjson') {
      const prefix = Buffer.concat(this.#prefix, this.#prefixBytes).toString('utf8').replace(/\r$/, '');
      const bytes = this.#skippedBytes;
      this.#prefix = [];
      this.#prefixBytes = 0;
      this.#skippedBytes = 0;
      if (prefix.trim().length > 0) this.#opts.onNonJson?.(prefix, bytes);
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
