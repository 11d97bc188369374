import { randomBytes } from 'node:crypto';
import { errorResponse, INTERNAL_ERROR, isRequest, isResponse, METHOD_NOT_FOUND, REQUEST_TIMEOUT, type JsonRpcNotification, type JsonRpcResponse } from '../../shared/jsonrpc.js';
import { metaOf, readEnvelope, withMeta, type JsonObject } from './protocol.js';
import { logLevelPasses } from './results.js';
import type { Call, Exchange, JsonRpcMessage, JsonRpcRequest, ModernRelay, RelayOptions } from './relay-types.js';
import { isObject } from '../../shared/is-object.js';

/** An unguessable token (ids toward the child, requestState): 128 bits from the CSPRNG. */
export function newToken(prefix: string): string {
  return `${prefix}${randomBytes(16).toString('base64url')}`;
}

/**
 * What both relays share: requests from many clients multiplexed onto one child under proxy-assigned
 * ids and progress tokens (clients' ids collide), responses and progress routed back, request timeouts,
 * cancellation when the client leaves, and failing everything when the child ends.
 */
export abstract class RelayBase implements ModernRelay {
  protected readonly opts: RelayOptions;
  protected readonly calls = new Map<string, Call>();
  readonly #byToken = new Map<string, Call>();
  #seq = 0;
  protected closed = false;

  constructor(opts: RelayOptions) {
    this.opts = opts;
  }

  get busy(): boolean {
    return this.calls.size > 0;
  }

  abstract open(request: JsonRpcRequest, exchange: Exchange): () => void;

  fromChild(message: JsonRpcMessage): void {
    if (isResponse(message)) {
      const call = typeof message.id === 'string' ? this.calls.get(message.id) : undefined;
      if (call) this.onCallResponse(call, message);
      else this.onOtherResponse(message);
    } else if (isRequest(message)) {
      this.onChildRequest(message);
    } else if (message.method === 'notifications/progress') {
      this.#routeProgress(message);
    } else if (message.method === 'notifications/message') {
      this.#routeLog(message);
    } else {
      this.onUnsolicited(message);
    }
  }

  close(code: number, message: string, data?: unknown): void {
    this.closed = true;
    for (const call of [...this.calls.values()]) {
      this.endCall(call);
      call.exchange?.deliver(errorResponse(call.exchange.id, code, message, data));
    }
  }

  /** Forwards a client request to the child under a fresh id; the client's exchange gets the outcome. */
  protected forward(request: JsonRpcRequest, exchange: Exchange, params: JsonObject | undefined = request.params, timed = true): Call {
    const childId = `${this.idPrefix()}${++this.#seq}`;
    const meta = { ...metaOf(params) };
    const clientToken = meta.progressToken;
    const call: Call = {
      childId, method: request.method, exchange,
      name: typeof params?.name === 'string' ? params.name : typeof params?.uri === 'string' ? params.uri : undefined,
      envelope: readEnvelope(request.params),
      clientToken: typeof clientToken === 'string' || typeof clientToken === 'number' ? clientToken : undefined,
      childToken: undefined, timer: undefined,
    };
    if (call.clientToken !== undefined) {
      call.childToken = `${childId}:p`;
      meta.progressToken = call.childToken;
      this.#byToken.set(call.childToken, call);
    }
    this.calls.set(childId, call);
    if (timed) this.armTimer(call);
    if (!this.opts.sendToChild({ jsonrpc: '2.0', id: childId, method: request.method, params: withMeta(params, meta) })) {
      this.endCall(call);
      exchange.deliver(errorResponse(exchange.id, INTERNAL_ERROR, 'MCP server process is not running'));
    }
    return call;
  }

  /** The closer for one exchange: cancels the call only while that exchange is the one it serves. */
  protected closerFor(call: Call, exchange: Exchange): () => void {
    return () => {
      if (call.exchange === exchange) this.cancel(call, 'the client closed the request');
    };
  }

  /** The client left (or timed out): tell the child, forget the call. */
  protected cancel(call: Call, reason: string): void {
    if (!this.calls.has(call.childId)) return;
    this.endCall(call);
    this.opts.sendToChild({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: call.childId, reason } });
  }

  protected endCall(call: Call): void {
    if (call.timer) clearTimeout(call.timer);
    call.timer = undefined;
    this.calls.delete(call.childId);
    if (call.childToken !== undefined) this.#byToken.delete(call.childToken);
  }

  protected armTimer(call: Call, ms = this.opts.requestTimeoutMs, onExpiry: () => void = () => this.#timeout(call)): void {
    if (call.timer) clearTimeout(call.timer);
    call.timer = setTimeout(onExpiry, ms);
    call.timer.unref?.();
  }

  /** Delivers the child's answer to the call's client, with the client's id. */
  protected deliverResponse(call: Call, response: JsonRpcResponse, translate: (r: JsonObject) => JsonObject = (r) => r): void {
    const exchange = call.exchange;
    if (!exchange) return;
    this.endCall(call);
    if ('result' in response) exchange.deliver({ jsonrpc: '2.0', id: exchange.id, result: translate(isObject(response.result) ? response.result : {}) });
    else exchange.deliver({ jsonrpc: '2.0', id: exchange.id, error: response.error });
  }

  protected onCallResponse(call: Call, response: JsonRpcResponse): void {
    this.deliverResponse(call, response);
  }

  /** A response to a request the relay made itself, or a stale one. */
  protected onOtherResponse(_response: JsonRpcResponse): void {}

  /** A modern child sends no server→client requests; answer so it never waits. */
  protected onChildRequest(request: JsonRpcRequest): void {
    this.opts.sendToChild(errorResponse(request.id, METHOD_NOT_FOUND, `${request.method} cannot be relayed: 2026-07-28 clients take server→client requests only as input_required results`));
  }

  protected onUnsolicited(notification: JsonRpcNotification): void {
    this.opts.logger?.debug('child notification outside any request dropped', { method: notification.method });
  }

  protected abstract idPrefix(): string;

  #timeout(call: Call): void {
    const exchange = call.exchange;
    const seconds = this.opts.requestTimeoutMs / 1000;
    this.cancel(call, `timed out after ${seconds}s`);
    exchange?.deliver(errorResponse(exchange.id, REQUEST_TIMEOUT, `Request timed out: the MCP server did not answer within ${seconds}s`));
  }

  #routeProgress(n: JsonRpcNotification): void {
    const token = n.params?.progressToken;
    const call = typeof token === 'string' ? this.#byToken.get(token) : undefined;
    if (!call?.exchange || call.clientToken === undefined) return;
    this.armTimer(call);
    call.exchange.deliver({ jsonrpc: '2.0', method: n.method, params: { ...n.params, progressToken: call.clientToken } });
  }

  /** Logs go to the newest request that asked for them (`logLevel` in its envelope), filtered by level. */
  #routeLog(n: JsonRpcNotification): void {
    let target: Call | undefined;
    for (const call of this.calls.values()) if (call.exchange && call.envelope?.logLevel) target = call;
    if (target?.exchange && logLevelPasses(n.params?.level, target.envelope!.logLevel!)) target.exchange.deliver(n);
  }
}
