import type { JsonRpcId, JsonRpcNotification, JsonRpcResponse } from '../../shared/jsonrpc.js';
import type { JsonObject } from './protocol.js';
import type { Exchange } from './relay-types.js';
import { acknowledgement, filterMatches, honouredFilter, readFilter, stampSubscription, type SubscriptionFilter } from './results.js';

interface Listen {
  exchange: Exchange;
  filter: SubscriptionFilter;
  /**
   * Notifications matched before the acknowledgement (undefined after it): the child may send an
   * update in the same read as its `resources/subscribe` answer, before the acknowledgement is out.
   */
  early: JsonRpcNotification[] | undefined;
  closed: boolean;
}

/**
 * `subscriptions/listen` on a 2025-era child: the resource URIs a listen asks for become
 * `resources/subscribe` calls (reference-counted across listens, `resources/unsubscribe` when the last
 * one closes), and the child's unsolicited change notifications are fanned out, stamped with the
 * subscription id, to every listen that opted in to them.
 */
export class ListenBridge {
  readonly #listens = new Set<Listen>();
  readonly #refs = new Map<string, number>();
  readonly #request: (method: string, params: JsonObject) => Promise<JsonRpcResponse>;

  constructor(request: (method: string, params: JsonObject) => Promise<JsonRpcResponse>) {
    this.#request = request;
  }

  get size(): number {
    return this.#listens.size;
  }

  /** Opens one listen stream; returns its closer. The acknowledgement is the stream's first message. */
  open(params: unknown, exchange: Exchange, childCaps: JsonObject): () => void {
    const wanted = honouredFilter(readFilter(params), childCaps);
    const listen: Listen = { exchange, filter: wanted, early: [], closed: false };
    this.#listens.add(listen);
    const uris = wanted.resourceSubscriptions ?? [];
    void Promise.all(uris.map(async (uri) => ((await this.#ref(uri)) ? uri : undefined))).then((ok) => {
      const honoured = ok.filter((u): u is string => u !== undefined);
      if (listen.closed) {
        for (const uri of honoured) this.#unref(uri);
        return;
      }
      if (wanted.resourceSubscriptions) listen.filter = { ...wanted, resourceSubscriptions: honoured };
      exchange.deliver(acknowledgement(listen.filter, exchange.id));
      const early = listen.early ?? [];
      listen.early = undefined;
      for (const n of early) if (filterMatches(listen.filter, n)) exchange.deliver(stampSubscription(n, exchange.id));
    });
    return () => this.#close(listen);
  }

  /** Closes the listen a client with one stream (stdio) cancelled by its request id; false when none is open. */
  cancel(id: JsonRpcId): boolean {
    for (const listen of this.#listens) {
      if (listen.exchange.id !== id) continue;
      this.#close(listen);
      return true;
    }
    return false;
  }

  #close(listen: Listen): void {
    if (listen.closed) return;
    listen.closed = true;
    // Before the acknowledgement the subscriptions are still being made: the callback in open undoes them.
    if (this.#listens.delete(listen) && listen.early === undefined) for (const uri of listen.filter.resourceSubscriptions ?? []) this.#unref(uri);
  }

  /** Delivers a child notification to the listens that opted in; false when none did. */
  deliver(n: JsonRpcNotification): boolean {
    let delivered = false;
    for (const listen of this.#listens) {
      if (!filterMatches(listen.filter, n)) continue;
      if (listen.early) listen.early.push(n);
      else listen.exchange.deliver(stampSubscription(n, listen.exchange.id));
      delivered = true;
    }
    return delivered;
  }

  /** Ends every listen with `final` (built per listen id). */
  closeAll(final: (exchange: Exchange) => void): void {
    for (const listen of [...this.#listens]) {
      this.#listens.delete(listen);
      final(listen.exchange);
    }
    this.#refs.clear();
  }

  async #ref(uri: string): Promise<boolean> {
    const count = this.#refs.get(uri) ?? 0;
    this.#refs.set(uri, count + 1);
    if (count > 0) return true;
    const response = await this.#request('resources/subscribe', { uri });
    if ('result' in response) return true;
    this.#refs.delete(uri);
    return false;
  }

  #unref(uri: string): void {
    const count = (this.#refs.get(uri) ?? 1) - 1;
    if (count > 0) {
      this.#refs.set(uri, count);
      return;
    }
    this.#refs.delete(uri);
    void this.#request('resources/unsubscribe', { uri });
  }
}
