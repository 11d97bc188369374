import { errorResponse, type JsonRpcErrorObject, type JsonRpcId, type JsonRpcMessage, type JsonRpcNotification } from '../../shared/jsonrpc.js';
import { metaOf, SUBSCRIPTION_ID_KEY } from './protocol.js';

export interface ListenChainOptions {
  /** Opens `subscriptions/listen` on the modern peer under `id` with these URIs; false when the peer is gone. */
  open(id: string, uris: readonly string[]): boolean;
  /** Ends a listen on the peer (`notifications/cancelled` for its id). */
  cancel(id: string): void;
  /** Answers a 2025 client's `resources/subscribe`/`unsubscribe` once the change is in force. */
  answer(message: JsonRpcMessage): void;
}

/**
 * The one `subscriptions/listen` stream that carries a 2025 client's subscriptions on a modern peer,
 * replaced make-before-break whenever the URI set changes: the new listen is opened first, the
 * client's `resources/subscribe` is answered when the peer acknowledges it, and only then is the old
 * listen cancelled. Notifications are taken from the acknowledged (current) listen only, so the overlap
 * neither loses nor duplicates an update.
 */
export class ListenChain {
  readonly #opts: ListenChainOptions;
  #current: string | undefined;
  #pending: { id: string; waiters: JsonRpcId[] } | undefined;

  constructor(opts: ListenChainOptions) {
    this.#opts = opts;
  }

  /** Opens a listen for `uris`; `waiter` (a client request id) is answered when it is acknowledged. */
  reopen(id: string, uris: readonly string[], waiter?: JsonRpcId): void {
    const waiters = [...(this.#pending?.waiters ?? []), ...(waiter === undefined ? [] : [waiter])];
    if (this.#pending) this.#opts.cancel(this.#pending.id); // superseded before it was acknowledged
    this.#pending = { id, waiters };
    if (!this.#opts.open(id, uris)) this.#failPending({ code: -32603, message: 'the MCP server is not running' });
  }

  /**
   * Consumes what belongs to the chain: acknowledgements (the switch-over) and the answer that ends a
   * listen (a refusal fails the waiting subscribes). Returns true when the message was consumed.
   */
  consume(message: JsonRpcMessage): boolean {
    if ('method' in message && message.method === 'notifications/subscriptions/acknowledged') {
      const id = metaOf(message.params)?.[SUBSCRIPTION_ID_KEY];
      if (id === this.#pending?.id) this.#switch();
      return true;
    }
    if (!('method' in message) && (message.id === this.#pending?.id || message.id === this.#current)) {
      if (message.id === this.#pending?.id && 'error' in message) this.#failPending(message.error);
      if (message.id === this.#current) this.#current = undefined; // the peer ended it
      return true;
    }
    return false;
  }

  /** Whether a stamped notification comes from the current listen (others are overlap duplicates). */
  isCurrent(notification: JsonRpcNotification): boolean {
    const id = metaOf(notification.params)?.[SUBSCRIPTION_ID_KEY];
    return id !== undefined && id === this.#current;
  }

  /** The peer is gone: waiting subscribes fail. */
  close(error: JsonRpcErrorObject): void {
    this.#failPending(error);
    this.#current = undefined;
  }

  #switch(): void {
    const pending = this.#pending!;
    this.#pending = undefined;
    if (this.#current) this.#opts.cancel(this.#current);
    this.#current = pending.id;
    for (const id of pending.waiters) this.#opts.answer({ jsonrpc: '2.0', id, result: {} });
  }

  #failPending(error: JsonRpcErrorObject): void {
    const pending = this.#pending;
    this.#pending = undefined;
    for (const id of pending?.waiters ?? []) this.#opts.answer(errorResponse(id, error.code, error.message, error.data));
  }
}
