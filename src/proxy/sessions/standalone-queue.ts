import type { JsonRpcMessage } from '../../shared/jsonrpc.js';

/**
 * A session's server-initiated messages that belong on its GET stream, kept while no GET stream is open:
 * at most `max`, the oldest dropped first (`ondrop` is told), all sent once a stream opens.
 */
export class StandaloneQueue {
  readonly #items: JsonRpcMessage[] = [];
  readonly #max: number;
  readonly #ondrop: () => void;

  constructor(max: number, ondrop: () => void) {
    this.#max = max;
    this.#ondrop = ondrop;
  }

  push(message: JsonRpcMessage): void {
    this.#items.push(message);
    if (this.#items.length > this.#max) {
      this.#items.shift();
      this.#ondrop();
    }
  }

  /** Sends the kept messages, oldest first, while `open()` holds. */
  flush(open: () => boolean, send: (message: JsonRpcMessage) => void): void {
    while (open() && this.#items.length > 0) send(this.#items.shift()!);
  }
}
