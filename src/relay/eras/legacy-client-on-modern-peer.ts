import { errorResponse, INTERNAL_ERROR, INVALID_PARAMS, isRequest, isResponse, METHOD_NOT_FOUND, type JsonRpcId, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../../shared/jsonrpc.js';
import { isObject } from '../../shared/is-object.js';
import { metaOf, MODERN_PROTOCOL_VERSION, SUBSCRIPTION_ID_KEY, withEnvelope, type Envelope, type JsonObject } from './protocol.js';
import { ListenChain } from './listen-chain.js';
import { initializeFromDiscover } from './results.js';
import type { Link } from '../link.js';
import { Mux, type Call, type Exchange } from '../mux.js';

export interface LegacyClientOnModernPeerOptions {
  /** The modern (2026-07-28) peer; its owner feeds what it writes to `fromPeer`. */
  peer: Link<never>;
  /** The 2025 revisions this side offers, newest first. */
  legacyVersions: readonly string[];
  /** Bound on `input_required` rounds per request (default 8). */
  maxRounds?: number;
}

/** One 2025 client request on the peer hop (the mux's exchange): what a retry must repeat. */
interface Pending extends Exchange {
  request: JsonRpcRequest;
  rounds: number;
  /** The client cancelled it while its input_required questions were being asked. */
  cancelled?: boolean;
}

/**
 * A 2025-era client on a modern peer. `initialize` is answered from the peer's `server/discover`;
 * every request gets the envelope (client info and capabilities from `initialize`, the log level from
 * `logging/setLevel`); `ping` and `logging/setLevel` are answered here; `resources/subscribe` and the
 * 2025 unsolicited list-changed notifications ride one `subscriptions/listen` (replaced
 * make-before-break when the URI set changes, see listen-chain.ts); an `input_required` result is
 * fulfilled with real server→client requests to the client, then the request is retried with the
 * answers. A cancelled request is forgotten (and not retried).
 *
 * Transport-free, and itself a `Link` for the 2025 edge: the edge sends the client's messages with
 * `send` and takes the translated ones from `onmessage`, exactly as it would talk to a 2025 peer.
 */
export class LegacyClientOnModernPeer implements Link {
  /** Messages for the 2025-era client. */
  onmessage?: (message: JsonRpcMessage) => void;
  readonly #opts: LegacyClientOnModernPeerOptions;
  readonly #peer: Link<never>;
  /** The requests on the peer hop (ids and progress tokens remapped; no timers: the 2025 edge times out). */
  readonly #mux: Mux<Pending>;
  #envelope: Envelope = { protocolVersion: MODERN_PROTOCOL_VERSION, clientCapabilities: {} };
  #capabilities: JsonObject = {};
  readonly #asks = new Map<string, (r: JsonRpcResponse) => void>();
  /** Requests whose input_required questions are being asked, by client id. */
  readonly #asking = new Map<JsonRpcId, Pending>();
  readonly #uris = new Set<string>();
  readonly #listens: ListenChain;
  #seq = 0;

  constructor(opts: LegacyClientOnModernPeerOptions) {
    this.#opts = opts;
    const peer = opts.peer;
    this.#peer = peer;
    this.#mux = new Mux<Pending>({
      peer, idPrefix: 'lca-r-',
      events: {
        response: (call, response) => this.#onResponse(call, response),
        request: (request) => void peer.send(errorResponse(request.id, METHOD_NOT_FOUND, `${request.method} is not a 2026-07-28 server→client request`)),
        notification: (n) => this.#onNotification(n),
      },
    });
    this.#listens = new ListenChain({
      open: (id, uris) => {
        const notifications = { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true, resourceSubscriptions: [...uris] };
        return peer.send(withEnvelope({ jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { notifications } }, this.#envelope));
      },
      cancel: (id) => void peer.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id } }),
      answer: (m) => this.#toClient(m),
    });
  }

  /** Requests forwarded to the peer and not yet answered (cancelled ones are forgotten at once). */
  get inflight(): number {
    return this.#mux.size;
  }

  /** A message from the 2025-era client; always taken (a gone peer is answered as an error). */
  send(m: JsonRpcMessage): boolean {
    this.#fromClient(m);
    return true;
  }

  /** Ends the peer link (the in-flight requests are failed with `fail` by whoever saw why). */
  close(): Promise<unknown> | void {
    return this.#peer.close();
  }

  #fromClient(m: JsonRpcMessage): void {
    if (isResponse(m)) {
      const resolve = typeof m.id === 'string' ? this.#asks.get(m.id) : undefined;
      if (resolve) {
        this.#asks.delete(m.id as string);
        resolve(m);
      }
      return;
    }
    if (!isRequest(m)) {
      if (m.method === 'notifications/cancelled') this.#cancel(m.params?.requestId, m.params);
      return; // notifications/initialized and roots/list_changed have no 2026-07-28 counterpart
    }
    const params = m.params ?? {};
    switch (m.method) {
      case 'initialize': return this.#initialize(m);
      case 'ping': return this.#toClient({ jsonrpc: '2.0', id: m.id, result: {} });
      case 'logging/setLevel':
        if (typeof params.level === 'string') this.#envelope = { ...this.#envelope, logLevel: params.level };
        return this.#toClient({ jsonrpc: '2.0', id: m.id, result: {} });
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        if (typeof params.uri === 'string') {
          if (m.method === 'resources/subscribe') this.#uris.add(params.uri);
          else this.#uris.delete(params.uri);
          return this.#listens.reopen(this.#id('listen'), [...this.#uris], m.id);
        }
        return this.#toClient(errorResponse(m.id, INVALID_PARAMS, `${m.method} needs params.uri`));
      default: return this.#forward(this.#pendingOf(m));
    }
  }

  /** A message the modern peer wrote. */
  fromPeer(m: JsonRpcMessage): void {
    if (!this.#listens.consume(m)) this.#mux.fromPeer(m);
  }

  /** The peer's answer to a forwarded request (or to the `server/discover` made for an `initialize`). */
  #onResponse(call: Call<Pending>, m: JsonRpcResponse): void {
    const pending = call.exchange!; // untimed calls are never parked
    this.#mux.end(call);
    const result = 'result' in m && isObject(m.result) ? m.result : undefined;
    if (pending.request.method === 'initialize') {
      if (!result) return this.#toClient({ jsonrpc: '2.0', id: pending.id, error: 'error' in m ? m.error : { code: INTERNAL_ERROR, message: 'server/discover failed' } });
      this.#toClient({ jsonrpc: '2.0', id: pending.id, result: initializeFromDiscover(result, pending.request.params?.protocolVersion, this.#opts.legacyVersions) });
      return this.#listens.reopen(this.#id('listen'), [...this.#uris]);
    }
    if (result?.resultType === 'input_required') return void this.#fulfil(pending, result);
    if ('error' in m) return this.#toClient({ jsonrpc: '2.0', id: pending.id, error: m.error });
    const { resultType: _rt, ...rest } = result ?? {};
    return this.#toClient({ jsonrpc: '2.0', id: pending.id, result: rest });
  }

  #onNotification(m: JsonRpcNotification): void {
    const meta = metaOf(m.params);
    if (meta && SUBSCRIPTION_ID_KEY in meta) {
      if (!this.#listens.isCurrent(m)) return; // the same update also arrives on the listen in force
      const { [SUBSCRIPTION_ID_KEY]: _sub, ...rest } = meta;
      this.#toClient({ jsonrpc: '2.0', method: m.method, params: { ...m.params, _meta: rest } });
      return;
    }
    this.#toClient(m);
  }

  /** Fails what is in flight (the peer is gone). */
  fail(code: number, message: string): void {
    this.#mux.fail(code, message);
    for (const resolve of this.#asks.values()) resolve(errorResponse(null, code, message));
    this.#asks.clear();
    this.#listens.close({ code, message });
  }

  /** The client gave up on a request: tell the peer (closing its exchange), forget it, never retry it. */
  #cancel(clientId: unknown, params: JsonObject | undefined): void {
    const asking = typeof clientId === 'string' || typeof clientId === 'number' ? this.#asking.get(clientId) : undefined;
    if (asking) asking.cancelled = true;
    let target: Call<Pending> | undefined;
    for (const call of this.#mux.calls()) if (call.exchange?.id === clientId) (target ??= call);
    if (!target) return;
    this.#mux.end(target);
    this.#peer.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { ...params, requestId: target.peerId } });
  }

  #initialize(m: JsonRpcRequest): void {
    const params = m.params ?? {};
    this.#capabilities = isObject(params.capabilities) ? params.capabilities : {};
    this.#envelope = {
      protocolVersion: MODERN_PROTOCOL_VERSION,
      clientCapabilities: this.#capabilities,
      ...(isObject(params.clientInfo) ? { clientInfo: params.clientInfo } : {}),
    };
    // The discover answer is translated when it arrives (#onResponse), not relayed as is.
    const discover = withEnvelope({ jsonrpc: '2.0', id: m.id, method: 'server/discover' }, this.#envelope);
    this.#mux.forward(discover, this.#pendingOf(m), discover.params, false);
  }

  #forward(p: Pending, extra: JsonObject = {}): void {
    const request = withEnvelope({ ...p.request, params: { ...p.request.params, ...extra } }, this.#envelope);
    this.#mux.forward(request, p, request.params, false);
  }

  #pendingOf(request: JsonRpcRequest): Pending {
    return { id: request.id, request, rounds: 0, deliver: (m) => this.#toClient(m) };
  }

  /** Asks the 2025 client each embedded request as a real server→client request, then retries. */
  async #fulfil(p: Pending, result: JsonObject): Promise<void> {
    const max = this.#opts.maxRounds ?? 8;
    if (p.rounds + 1 > max) {
      this.#toClient(errorResponse(p.id, INTERNAL_ERROR, `The server still required input after ${max} rounds`));
      return;
    }
    const requests = isObject(result.inputRequests) ? result.inputRequests : {};
    const answers: JsonObject = {};
    this.#asking.set(p.id, p);
    try {
      for (const [key, ask] of Object.entries(requests)) {
        if (!isObject(ask) || typeof ask.method !== 'string') continue;
        const id = this.#id('ask');
        const response = await new Promise<JsonRpcResponse>((resolve) => {
          this.#asks.set(id, resolve);
          this.#toClient({ jsonrpc: '2.0', id, method: ask.method as string, params: isObject(ask.params) ? ask.params : {} });
        });
        if (p.cancelled) return; // a cancelled request gets no answer and is not retried
        if ('error' in response) {
          this.#toClient({ jsonrpc: '2.0', id: p.id, error: response.error });
          return;
        }
        answers[key] = response.result;
      }
    } finally {
      this.#asking.delete(p.id);
    }
    if (p.cancelled) return;
    const retry: JsonObject = { inputResponses: answers, ...(typeof result.requestState === 'string' ? { requestState: result.requestState } : {}) };
    this.#forward({ ...p, rounds: p.rounds + 1 }, retry);
  }

  #toClient(m: JsonRpcMessage): void {
    this.onmessage?.(m);
  }

  #id(kind: string): string {
    return `lca-${kind}-${++this.#seq}`;
  }

}
