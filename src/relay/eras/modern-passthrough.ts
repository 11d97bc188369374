import { SUBSCRIPTION_ID_KEY, type JsonObject } from './protocol.js';
import { withCacheHints } from './results.js';
import { RelayBase } from './relay-base.js';
import type { Call, Exchange, JsonRpcRequest } from './relay-types.js';
import type { JsonRpcNotification, JsonRpcResponse } from '../../shared/jsonrpc.js';
import { isObject } from '../../shared/is-object.js';

/**
 * A modern client on a modern child: no translation, only multiplexing. Ids and progress tokens are
 * rewritten (many clients share the child), and `subscriptions/listen` streams are matched by the
 * subscription id the child stamps (the proxy's id for the listen request), rewritten to the client's.
 */
export class ModernChildRelay extends RelayBase {
  open(request: JsonRpcRequest, exchange: Exchange): () => void {
    const listen = request.method === 'subscriptions/listen';
    const call = this.forward(request, exchange, request.params, !listen);
    return this.closerFor(call, exchange);
  }

  protected idPrefix(): string {
    return 'm';
  }

  protected override onCallResponse(call: Call, response: JsonRpcResponse): void {
    if (call.method === 'server/discover' && 'result' in response) return this.deliverResponse(call, response, (r) => this.#discover(r));
    if (call.method !== 'subscriptions/listen' || !('result' in response)) return this.deliverResponse(call, response);
    const id = call.exchange?.id;
    this.deliverResponse(call, response, (r) => ({ ...r, _meta: { ...(isObject(r._meta) ? r._meta : {}), [SUBSCRIPTION_ID_KEY]: id } }));
  }

  /** The child's discover result with the endpoint's versions (when configured) and valid cache hints. */
  #discover(result: JsonObject): JsonObject {
    const versions = this.opts.supportedVersions;
    return withCacheHints(versions ? { ...result, supportedVersions: [...versions] } : result);
  }

  protected override onUnsolicited(n: JsonRpcNotification): void {
    const meta = isObject(n.params?._meta) ? n.params._meta : undefined;
    const sub = meta?.[SUBSCRIPTION_ID_KEY];
    const call = typeof sub === 'string' ? this.calls.get(sub) : undefined;
    if (!call?.exchange) return super.onUnsolicited(n);
    call.exchange.deliver({ jsonrpc: '2.0', method: n.method, params: { ...n.params, _meta: { ...meta, [SUBSCRIPTION_ID_KEY]: call.exchange.id } } });
  }
}
