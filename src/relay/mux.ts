import { errorResponse, INTERNAL_ERROR, isRequest, isResponse, REQUEST_TIMEOUT, type JsonRpcId, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../shared/jsonrpc.js';
import { isObject } from '../shared/is-object.js';
import { metaOf, readEnvelope, withMeta, type Envelope, type JsonObject } from './eras/protocol.js';
import type { Link } from './link.js';

/**
 * One caller's request being served: the edge side (an HTTP exchange in the proxy, a stdio id in the
 * client). `deliver` takes related notifications and then exactly one response, which ends it.
 */
export interface Exchange {
  readonly id: JsonRpcId;
  deliver(message: JsonRpcMessage): void;
}

/** A request the mux forwarded to the peer under its own id. */
export interface Call<E extends Exchange = Exchange> {
  peerId: string;
  method: string;
  /** params.name or params.uri: what a multi-round-trip retry must repeat. */
  name: string | undefined;
  envelope: Envelope | undefined;
  /** The caller's exchange awaiting the outcome; undefined while the call is parked (input_required). */
  exchange: E | undefined;
  /** The caller's progress token on the current exchange, and the token the peer was given. */
  callerToken: string | number | undefined;
  peerToken: string | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** What the translator above the mux decides; the mux never calls back for anything else. */
export interface MuxEvents<E extends Exchange = Exchange> {
  /** The peer answered a call (still tracked: `respond` ends it, or the translator parks it). */
  response(call: Call<E>, response: JsonRpcResponse): void;
  /** A response to no call and to no request of the relay's own (a stale one: cancelled, timed out). */
  otherResponse?(response: JsonRpcResponse): void;
  /** A peer→caller request (sampling, elicitation, roots). */
  request(request: JsonRpcRequest): void;
  /** A notification that is not progress (progress is routed here, by token). */
  notification(notification: JsonRpcNotification): void;
  /** A call ended (answered, cancelled, timed out, failed): drop what the translator keeps for it. */
  ended?(call: Call<E>): void;
}

export interface MuxOptions<E extends Exchange = Exchange> {
  peer: Link<never>;
  /** Prefix of the ids (and progress tokens) the peer sees. */
  idPrefix: string;
  /**
   * A call the peer has not answered in this long fails with -32001 (progress resets it). Unset: the
   * mux keeps no timers (the edge in front of it times requests out).
   */
  requestTimeoutMs?: number;
  events: MuxEvents<E>;
}

/** A request the relay itself made to the peer (`Mux.request`), waiting for its answer. */
interface OwnRequest {
  resolve: (response: JsonRpcResponse) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Many callers over one peer link: callers' ids collide, so each call goes to the peer under a
 * mux-assigned id and progress token; responses and progress come back to the caller's exchange
 * under the caller's own id and token. Calls time out (progress resets the timer), are cancelled
 * toward the peer when the caller leaves, and all fail when the link ends.
 *
 * The relay's own requests to the peer (a translator's handshake, its `resources/subscribe` for a
 * listen, a log level) go through `request`: the same id space and the same end, one table beside the
 * callers' calls, never a second tracker inside a translator.
 */
export class Mux<E extends Exchange = Exchange> {
  readonly #opts: MuxOptions<E>;
  readonly #calls = new Map<string, Call<E>>();
  readonly #byToken = new Map<string, Call<E>>();
  readonly #own = new Map<string, OwnRequest>();
  #seq = 0;

  constructor(opts: MuxOptions<E>) {
    this.#opts = opts;
  }

  /** Callers' calls in flight (the relay's own requests are not counted). */
  get size(): number {
    return this.#calls.size;
  }

  get(peerId: string): Call<E> | undefined {
    return this.#calls.get(peerId);
  }

  calls(): IterableIterator<Call<E>> {
    return this.#calls.values();
  }

  /** Forwards a caller's request to the peer under a fresh id; the exchange gets the outcome. */
  forward(request: JsonRpcRequest, exchange: E, params: JsonObject | undefined = request.params, timed = true): Call<E> {
    const peerId = `${this.#opts.idPrefix}${++this.#seq}`;
    const meta = { ...metaOf(params) };
    const callerToken = meta.progressToken;
    const call: Call<E> = {
      peerId, method: request.method, exchange,
      name: typeof params?.name === 'string' ? params.name : typeof params?.uri === 'string' ? params.uri : undefined,
      envelope: readEnvelope(request.params),
      callerToken: typeof callerToken === 'string' || typeof callerToken === 'number' ? callerToken : undefined,
      peerToken: undefined, timer: undefined,
    };
    if (call.callerToken !== undefined) {
      call.peerToken = `${peerId}:p`;
      meta.progressToken = call.peerToken;
      this.#byToken.set(call.peerToken, call);
    }
    this.#calls.set(peerId, call);
    if (timed && this.#opts.requestTimeoutMs !== undefined) this.arm(call, this.#opts.requestTimeoutMs);
    if (!this.#opts.peer.send({ jsonrpc: '2.0', id: peerId, method: request.method, params: withMeta(params, meta) })) {
      this.end(call);
      exchange.deliver(errorResponse(exchange.id, INTERNAL_ERROR, 'MCP server process is not running'));
    }
    return call;
  }

  /**
   * A request the relay makes on its own behalf, under a mux id (`<prefix>x<n>`). Resolves with the
   * peer's response, or with an error response when the link does not take it, the peer does not
   * answer within the request timeout (when the mux has one), or the mux fails.
   */
  request(method: string, params: JsonObject): Promise<JsonRpcResponse> {
    const id = `${this.#opts.idPrefix}x${++this.#seq}`;
    return new Promise((resolve) => {
      const own: OwnRequest = { resolve, timer: undefined };
      const ms = this.#opts.requestTimeoutMs;
      if (ms !== undefined) {
        own.timer = setTimeout(() => this.#settleOwn(id, errorResponse(id, INTERNAL_ERROR, `the MCP server did not answer ${method} within ${ms / 1000}s`)), ms);
        own.timer.unref?.();
      }
      this.#own.set(id, own);
      if (!this.#opts.peer.send({ jsonrpc: '2.0', id, method, params })) this.#settleOwn(id, errorResponse(id, INTERNAL_ERROR, 'MCP server process is not running'));
    });
  }

  /** The closer for one exchange: cancels the call only while that exchange is the one it serves. */
  closerFor(call: Call<E>, exchange: E): () => void {
    return () => {
      if (call.exchange === exchange) this.cancel(call, 'the client closed the request');
    };
  }

  /** The caller left (or timed out): tell the peer, forget the call. */
  cancel(call: Call<E>, reason: string): void {
    if (!this.#calls.has(call.peerId)) return;
    this.end(call);
    this.#opts.peer.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: call.peerId, reason } });
  }

  /** Forgets a call (its timer, its progress token). */
  end(call: Call<E>): void {
    if (call.timer) clearTimeout(call.timer);
    call.timer = undefined;
    this.#calls.delete(call.peerId);
    if (call.peerToken !== undefined) this.#byToken.delete(call.peerToken);
    this.#opts.events.ended?.(call);
  }

  /** (Re)arms the call's timer: by default its expiry is the request timeout, which fails the call with -32001. */
  arm(call: Call<E>, ms: number, onExpiry: () => void = () => this.#timeout(call, ms)): void {
    if (call.timer) clearTimeout(call.timer);
    call.timer = setTimeout(onExpiry, ms);
    call.timer.unref?.();
  }

  /** Ends the call with the peer's answer, under the caller's id (`translate` rewrites a result). */
  respond(call: Call<E>, response: JsonRpcResponse, translate: (r: JsonObject) => JsonObject = (r) => r): void {
    const exchange = call.exchange;
    if (!exchange) return;
    this.end(call);
    if ('result' in response) exchange.deliver({ jsonrpc: '2.0', id: exchange.id, result: translate(isObject(response.result) ? response.result : {}) });
    else exchange.deliver({ jsonrpc: '2.0', id: exchange.id, error: response.error });
  }

  /** One message the peer wrote. */
  fromPeer(message: JsonRpcMessage): void {
    if (isResponse(message)) {
      const call = typeof message.id === 'string' ? this.#calls.get(message.id) : undefined;
      if (call) this.#opts.events.response(call, message);
      else if (!this.#settleOwn(message.id, message)) this.#opts.events.otherResponse?.(message);
    } else if (isRequest(message)) {
      this.#opts.events.request(message);
    } else if (message.method === 'notifications/progress') {
      this.#routeProgress(message);
    } else {
      this.#opts.events.notification(message);
    }
  }

  /** The link ended: every call, and every request of the relay's own, fails with this error. */
  fail(code: number, message: string, data?: unknown): void {
    for (const call of [...this.#calls.values()]) {
      this.end(call);
      call.exchange?.deliver(errorResponse(call.exchange.id, code, message, data));
    }
    for (const id of [...this.#own.keys()]) this.#settleOwn(id, errorResponse(null, code, message));
  }

  /** Ends one of the relay's own requests with this response; false when `id` is not one. */
  #settleOwn(id: JsonRpcId | null, response: JsonRpcResponse): boolean {
    const own = typeof id === 'string' ? this.#own.get(id) : undefined;
    if (!own) return false;
    this.#own.delete(id as string);
    if (own.timer) clearTimeout(own.timer);
    own.resolve(response);
    return true;
  }

  #timeout(call: Call<E>, ms: number): void {
    const exchange = call.exchange;
    const seconds = ms / 1000;
    this.cancel(call, `timed out after ${seconds}s`);
    exchange?.deliver(errorResponse(exchange.id, REQUEST_TIMEOUT, `Request timed out: the MCP server did not answer within ${seconds}s`));
  }

  #routeProgress(n: JsonRpcNotification): void {
    const token = n.params?.progressToken;
    const call = typeof token === 'string' ? this.#byToken.get(token) : undefined;
    if (!call?.exchange || call.callerToken === undefined) return;
    if (this.#opts.requestTimeoutMs !== undefined) this.arm(call, this.#opts.requestTimeoutMs);
    call.exchange.deliver({ jsonrpc: '2.0', method: n.method, params: { ...n.params, progressToken: call.callerToken } });
  }
}
