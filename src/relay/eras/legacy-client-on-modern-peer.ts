import { errorResponse, INTERNAL_ERROR, INVALID_PARAMS, isRequest, isResponse, METHOD_NOT_FOUND, type JsonRpcId, type JsonRpcMessage, type JsonRpcRequest, type JsonRpcResponse } from '../../shared/jsonrpc.js';
import { metaOf, MODERN_PROTOCOL_VERSION, SUBSCRIPTION_ID_KEY, withEnvelope, type Envelope, type JsonObject } from './protocol.js';
import { ListenChain } from './listen-chain.js';
import { initializeFromDiscover } from './results.js';
import { isObject } from '../../shared/is-object.js';

export interface LegacyClientAdapterOptions {
  /** Writes to the modern (2026-07-28) peer. */
  sendToChild(message: JsonRpcMessage): boolean;
  /** Writes to the 2025-era client. */
  sendToClient(message: JsonRpcMessage): void;
  /** The 2025 revisions this side offers, newest first. */
  legacyVersions: readonly string[];
  /** Bound on `input_required` rounds per request (default 8). */
  maxRounds?: number;
}

interface Pending {
  clientId: JsonRpcId;
  request: JsonRpcRequest;
  childId: string;
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
 * answers. A cancelled request is forgotten (and not retried). Transport-free: two send functions.
 */
export class LegacyClientAdapter {
  readonly #opts: LegacyClientAdapterOptions;
  #envelope: Envelope = { protocolVersion: MODERN_PROTOCOL_VERSION, clientCapabilities: {} };
  #capabilities: JsonObject = {};
  readonly #pending = new Map<string, Pending>();
  readonly #asks = new Map<string, (r: JsonRpcResponse) => void>();
  /** Requests whose input_required questions are being asked, by client id. */
  readonly #asking = new Map<JsonRpcId, Pending>();
  readonly #uris = new Set<string>();
  readonly #listens: ListenChain;
  #seq = 0;
  /** Outstanding `server/discover` calls made for an `initialize`, with the version the client asked for. */
  readonly #discover = new Map<string, unknown>();

  constructor(opts: LegacyClientAdapterOptions) {
    this.#opts = opts;
    this.#listens = new ListenChain({
      open: (id, uris) => {
        const notifications = { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true, resourceSubscriptions: [...uris] };
        return opts.sendToChild(withEnvelope({ jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { notifications } }, this.#envelope));
      },
      cancel: (id) => void opts.sendToChild({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id } }),
      answer: (m) => opts.sendToClient(m),
    });
  }

  /** Requests forwarded to the peer and not yet answered (cancelled ones are forgotten at once). */
  get inflight(): number {
    return this.#pending.size;
  }

  fromClient(m: JsonRpcMessage): void {
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
      case 'ping': return this.#opts.sendToClient({ jsonrpc: '2.0', id: m.id, result: {} });
      case 'logging/setLevel':
        if (typeof params.level === 'string') this.#envelope = { ...this.#envelope, logLevel: params.level };
        return this.#opts.sendToClient({ jsonrpc: '2.0', id: m.id, result: {} });
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        if (typeof params.uri === 'string') {
          if (m.method === 'resources/subscribe') this.#uris.add(params.uri);
          else this.#uris.delete(params.uri);
          return this.#listens.reopen(this.#id('listen'), [...this.#uris], m.id);
        }
        return this.#opts.sendToClient(errorResponse(m.id, INVALID_PARAMS, `${m.method} needs params.uri`));
      default: return this.#forward({ clientId: m.id, request: m, childId: '', rounds: 0 });
    }
  }

  fromChild(m: JsonRpcMessage): void {
    if (this.#listens.consume(m)) return;
    if (isResponse(m)) {
      const pending = typeof m.id === 'string' ? this.#pending.get(m.id) : undefined;
      if (!pending) return;
      this.#pending.delete(m.id as string);
      const result = 'result' in m && isObject(m.result) ? m.result : undefined;
      if (this.#discover.has(pending.childId)) {
        const requested = this.#discover.get(pending.childId);
        this.#discover.delete(pending.childId);
        if (!result) return this.#opts.sendToClient({ jsonrpc: '2.0', id: pending.clientId, error: 'error' in m ? m.error : { code: INTERNAL_ERROR, message: 'server/discover failed' } });
        this.#opts.sendToClient({ jsonrpc: '2.0', id: pending.clientId, result: initializeFromDiscover(result, requested, this.#opts.legacyVersions) });
        return this.#listens.reopen(this.#id('listen'), [...this.#uris]);
      }
      if (result?.resultType === 'input_required') return void this.#fulfil(pending, result);
      if ('error' in m) return this.#opts.sendToClient({ jsonrpc: '2.0', id: pending.clientId, error: m.error });
      const { resultType: _rt, ...rest } = result ?? {};
      return this.#opts.sendToClient({ jsonrpc: '2.0', id: pending.clientId, result: rest });
    }
    if (isRequest(m)) {
      this.#opts.sendToChild(errorResponse(m.id, METHOD_NOT_FOUND, `${m.method} is not a 2026-07-28 server→client request`));
      return;
    }
    const meta = metaOf(m.params);
    if (meta && SUBSCRIPTION_ID_KEY in meta) {
      if (!this.#listens.isCurrent(m)) return; // the same update also arrives on the listen in force
      const { [SUBSCRIPTION_ID_KEY]: _sub, ...rest } = meta;
      this.#opts.sendToClient({ jsonrpc: '2.0', method: m.method, params: { ...m.params, _meta: rest } });
      return;
    }
    this.#opts.sendToClient(m);
  }

  /** Fails what is in flight (the peer is gone). */
  close(code: number, message: string): void {
    for (const p of this.#pending.values()) this.#opts.sendToClient(errorResponse(p.clientId, code, message));
    this.#pending.clear();
    this.#discover.clear();
    for (const resolve of this.#asks.values()) resolve(errorResponse(null, code, message));
    this.#asks.clear();
    this.#listens.close({ code, message });
  }

  /** The client gave up on a request: tell the peer (closing its exchange), forget it, never retry it. */
  #cancel(clientId: unknown, params: JsonObject | undefined): void {
    const asking = typeof clientId === 'string' || typeof clientId === 'number' ? this.#asking.get(clientId) : undefined;
    if (asking) asking.cancelled = true;
    const target = [...this.#pending.values()].find((p) => p.clientId === clientId);
    if (!target) return;
    this.#pending.delete(target.childId);
    this.#discover.delete(target.childId);
    this.#opts.sendToChild({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { ...params, requestId: target.childId } });
  }

  #initialize(m: JsonRpcRequest): void {
    const params = m.params ?? {};
    this.#capabilities = isObject(params.capabilities) ? params.capabilities : {};
    this.#envelope = {
      protocolVersion: MODERN_PROTOCOL_VERSION,
      clientCapabilities: this.#capabilities,
      ...(isObject(params.clientInfo) ? { clientInfo: params.clientInfo } : {}),
    };
    const childId = this.#id('init');
    this.#pending.set(childId, { clientId: m.id, request: m, childId, rounds: 0 });
    // The discover answer is translated when it arrives (below), not relayed as is.
    this.#discover.set(childId, params.protocolVersion);
    if (!this.#opts.sendToChild(withEnvelope({ jsonrpc: '2.0', id: childId, method: 'server/discover' }, this.#envelope))) {
      this.#pending.delete(childId);
      this.#discover.delete(childId);
      this.#opts.sendToClient(errorResponse(m.id, INTERNAL_ERROR, 'MCP server process is not running'));
    }
  }

  #forward(p: Pending, extra: JsonObject = {}): void {
    const childId = this.#id('r');
    const params = { ...p.request.params, ...extra };
    this.#pending.set(childId, { ...p, childId });
    const sent = this.#opts.sendToChild(withEnvelope({ jsonrpc: '2.0', id: childId, method: p.request.method, params }, this.#envelope));
    if (!sent) {
      this.#pending.delete(childId);
      this.#opts.sendToClient(errorResponse(p.clientId, INTERNAL_ERROR, 'MCP server process is not running'));
    }
  }

  /** Asks the 2025 client each embedded request as a real server→client request, then retries. */
  async #fulfil(p: Pending, result: JsonObject): Promise<void> {
    const max = this.#opts.maxRounds ?? 8;
    if (p.rounds + 1 > max) {
      this.#opts.sendToClient(errorResponse(p.clientId, INTERNAL_ERROR, `The server still required input after ${max} rounds`));
      return;
    }
    const requests = isObject(result.inputRequests) ? result.inputRequests : {};
    const answers: JsonObject = {};
    this.#asking.set(p.clientId, p);
    try {
      for (const [key, ask] of Object.entries(requests)) {
        if (!isObject(ask) || typeof ask.method !== 'string') continue;
        const id = this.#id('ask');
        const response = await new Promise<JsonRpcResponse>((resolve) => {
          this.#asks.set(id, resolve);
          this.#opts.sendToClient({ jsonrpc: '2.0', id, method: ask.method as string, params: isObject(ask.params) ? ask.params : {} });
        });
        if (p.cancelled) return; // a cancelled request gets no answer and is not retried
        if ('error' in response) {
          this.#opts.sendToClient({ jsonrpc: '2.0', id: p.clientId, error: response.error });
          return;
        }
        answers[key] = response.result;
      }
    } finally {
      this.#asking.delete(p.clientId);
    }
    if (p.cancelled) return;
    const retry: JsonObject = { inputResponses: answers, ...(typeof result.requestState === 'string' ? { requestState: result.requestState } : {}) };
    this.#forward({ ...p, rounds: p.rounds + 1 }, retry);
  }

  #id(kind: string): string {
    return `lca-${kind}-${++this.#seq}`;
  }

}
