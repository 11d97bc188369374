import { errorResponse, METHOD_NOT_FOUND, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcResponse } from '../../shared/jsonrpc.js';
import { isObject } from '../../shared/is-object.js';
import { Mux, type Call } from '../mux.js';
import { routeLog } from './log-routing.js';
import { SUBSCRIPTION_ID_KEY, type JsonObject } from './protocol.js';
import { withCacheHints } from './results.js';
import type { Exchange, JsonRpcRequest, ModernRelay, RelayOptions } from './relay-types.js';

/**
 * A modern client on a modern peer: no translation beyond what multiplexing needs. The `Mux` rewrites
 * ids and progress tokens (many clients share the peer); this relay matches `subscriptions/listen`
 * streams by the subscription id the peer stamps (the mux's id for the listen request), rewritten to
 * the client's, and gives `server/discover` the endpoint's versions and valid cache hints.
 */
export class ModernPassthrough implements ModernRelay {
  readonly #opts: RelayOptions;
  readonly #mux: Mux;

  constructor(opts: RelayOptions) {
    this.#opts = opts;
    this.#mux = new Mux({
      peer: opts.peer, idPrefix: 'm', requestTimeoutMs: opts.requestTimeoutMs,
      events: {
        response: (call, response) => this.#onResponse(call, response),
        // A modern peer sends no server→client requests; answer so it never waits.
        request: (request) => void opts.peer.send(errorResponse(request.id, METHOD_NOT_FOUND, `${request.method} cannot be relayed: 2026-07-28 clients take server→client requests only as input_required results`)),
        notification: (n) => this.#onNotification(n),
      },
    });
  }

  get busy(): boolean {
    return this.#mux.size > 0;
  }

  open(request: JsonRpcRequest, exchange: Exchange): () => void {
    const listen = request.method === 'subscriptions/listen';
    const call = this.#mux.forward(request, exchange, request.params, !listen);
    return this.#mux.closerFor(call, exchange);
  }

  fromPeer(message: JsonRpcMessage): void {
    this.#mux.fromPeer(message);
  }

  close(code: number, message: string, data?: unknown): void {
    this.#mux.fail(code, message, data);
  }

  #onResponse(call: Call, response: JsonRpcResponse): void {
    if (call.method === 'server/discover' && 'result' in response) return this.#mux.respond(call, response, (r) => this.#discover(r));
    if (call.method !== 'subscriptions/listen' || !('result' in response)) return this.#mux.respond(call, response);
    const id = call.exchange?.id;
    this.#mux.respond(call, response, (r) => ({ ...r, _meta: { ...(isObject(r._meta) ? r._meta : {}), [SUBSCRIPTION_ID_KEY]: id } }));
  }

  /** The peer's discover result with the endpoint's versions (when configured) and valid cache hints. */
  #discover(result: JsonObject): JsonObject {
    const versions = this.#opts.supportedVersions;
    return withCacheHints(versions ? { ...result, supportedVersions: [...versions] } : result);
  }

  #onNotification(n: JsonRpcNotification): void {
    if (n.method === 'notifications/message') return routeLog(this.#mux.calls(), n);
    const meta = isObject(n.params?._meta) ? n.params._meta : undefined;
    const sub = meta?.[SUBSCRIPTION_ID_KEY];
    const call = typeof sub === 'string' ? this.#mux.get(sub) : undefined;
    if (!call?.exchange) return this.#opts.logger?.debug('child notification outside any request dropped', { method: n.method });
    call.exchange.deliver({ jsonrpc: '2.0', method: n.method, params: { ...n.params, _meta: { ...meta, [SUBSCRIPTION_ID_KEY]: call.exchange.id } } });
  }
}
