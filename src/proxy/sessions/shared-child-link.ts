import type { Call, Exchange } from '../../relay/mux.js';
import type { JsonObject } from '../../relay/eras/protocol.js';
import { isObject } from '../../shared/is-object.js';
import { errorResponse, INVALID_PARAMS, isRequest, isResponse, type JsonRpcId, type JsonRpcMessage, type JsonRpcRequest, type JsonRpcResponse } from '../../shared/jsonrpc.js';
import type { ChildExit } from '../child/child-process.js';
import type { SessionPeer } from './session-peer.js';

/** One session's request on the shared child: the mux's exchange, and which session it belongs to. */
export interface SessionExchange extends Exchange {
  /** Undefined for the shared child's own requests (initialize, a last unsubscribe). */
  readonly link: SharedChildLink | undefined;
}

/** What a session's link asks of the shared child it is attached to (shared-child.ts). */
export interface SharedChildHost {
  readonly pid: number | undefined;
  readonly ended: Promise<ChildExit>;
  /**
   * A client request to the child under a mux id; `deliver` gets the answer under the client's id.
   * Undefined when the child could not take it (the error is delivered already).
   */
  forward(request: JsonRpcRequest, exchange: SessionExchange): Call<SessionExchange> | undefined;
  cancel(call: Call<SessionExchange>, reason: string): void;
  /** The child's answer to its one `initialize` (sent with the first session's request). */
  initialized(first: JsonRpcRequest): Promise<JsonRpcResponse>;
  /** True when this is the URI's first holder (the child must be asked). */
  subscribe(link: SharedChildLink, uri: string): boolean;
  /** True when the link was the URI's last holder (the child must be told). */
  unsubscribe(link: SharedChildLink, uri: string): boolean;
  holds(link: SharedChildLink, uri: string): boolean;
  /** The level the child must now be set to after this link's `logging/setLevel`, or undefined when it is set already. */
  childLogLevel(): string | undefined;
  /** A client's answer to a server→client request; dropped unless it was asked of this link. */
  answer(link: SharedChildLink, response: JsonRpcResponse): void;
  /** A client notification for the child (roots/list_changed, …). */
  notify(message: JsonRpcMessage): boolean;
  /** A clock shared by the sessions of this child: orders their requests and activity. */
  tick(): number;
  detach(link: SharedChildLink): Promise<ChildExit | undefined>;
}

/**
 * One session's share of its principal's child (`--isolation principal`), as the session's peer
 * link. Toward the child: the session's requests go through the shared child's mux (ids and progress
 * tokens remapped, so two sessions' ids never collide); its `initialize` is answered here from the
 * child's one initialize result; `notifications/initialized` is not repeated; `cancelled` names the
 * remapped id; `resources/subscribe` and `unsubscribe` reach the child only for the first and last
 * holder of a URI. Toward the session (`onmessage`): what the shared child routed to it.
 */
export class SharedChildLink implements SessionPeer {
  onmessage?: (message: JsonRpcMessage) => void;
  /** The client capabilities this session declared: what its server→client requests are checked against. */
  capabilities: JsonObject = {};
  lastActive: number;
  /** The level this session set with `logging/setLevel`; log messages below it are not delivered to it. */
  logLevel: string | undefined;
  readonly #host: SharedChildHost;
  /** The session's requests on the child, by the session's own id, with their order. */
  readonly #calls = new Map<JsonRpcId, { call: Call<SessionExchange>; order: number }>();
  #closed = false;
  #leaving: Promise<ChildExit | undefined> | undefined;

  constructor(host: SharedChildHost) {
    this.#host = host;
    this.lastActive = host.tick();
  }

  get pid(): number | undefined {
    return this.#host.pid;
  }

  get ended(): Promise<ChildExit> {
    return this.#host.ended;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The order of the newest request of this session still in flight on the child. */
  get newestInflight(): number | undefined {
    let newest: number | undefined;
    for (const { order } of this.#calls.values()) if (newest === undefined || order > newest) newest = order;
    return newest;
  }

  /** The session's calls still on the child (cancelled when it leaves). */
  calls(): Array<Call<SessionExchange>> {
    return [...this.#calls.values()].map((c) => c.call);
  }

  /** The mux forgot a call (answered, cancelled, failed). */
  forget(call: Call<SessionExchange>): void {
    const id = call.exchange?.id;
    if (id !== undefined && this.#calls.get(id)?.call === call) this.#calls.delete(id);
  }

  /** A message for the session, from the shared child. */
  toSession(message: JsonRpcMessage): void {
    if (!this.#closed) this.onmessage?.(message);
  }

  send(message: JsonRpcMessage): boolean {
    if (this.#closed) return false;
    this.lastActive = this.#host.tick();
    if (isResponse(message)) {
      this.#host.answer(this, message);
      return true;
    }
    if (!isRequest(message)) {
      if (message.method === 'notifications/initialized') return true; // the shared child got its own, once
      if (message.method === 'notifications/cancelled') {
        const id = message.params?.requestId;
        const entry = typeof id === 'string' || typeof id === 'number' ? this.#calls.get(id) : undefined;
        const reason = message.params?.reason;
        if (entry) this.#host.cancel(entry.call, typeof reason === 'string' ? reason : 'cancelled by the client');
        return true;
      }
      return this.#host.notify(message);
    }
    switch (message.method) {
      case 'initialize': return this.#initialize(message);
      case 'resources/subscribe':
      case 'resources/unsubscribe': return this.#subscription(message);
      case 'logging/setLevel': return this.#setLevel(message);
      default:
        this.#forward(message);
        return true;
    }
  }

  /**
   * The session is ending (or its child died): it leaves the shared child at once, so no server→client
   * request is routed to it any more and its calls are cancelled toward the child. (The session fails
   * its own client requests itself.)
   */
  fail(): void {
    void this.#leave();
  }

  close(): Promise<ChildExit | undefined> {
    return this.#leave();
  }

  #leave(): Promise<ChildExit | undefined> {
    if (!this.#leaving) {
      this.#closed = true;
      this.#leaving = this.#host.detach(this);
    }
    return this.#leaving;
  }

  #initialize(request: JsonRpcRequest): boolean {
    const caps = request.params?.capabilities;
    this.capabilities = isObject(caps) ? caps : {};
    void this.#host.initialized(request).then((answer) => {
      this.toSession('result' in answer ? { jsonrpc: '2.0', id: request.id, result: answer.result } : { jsonrpc: '2.0', id: request.id, error: answer.error });
    });
    return true;
  }

  /** subscribe: to the child for the URI's first holder, else answered here; unsubscribe the other way round. */
  #subscription(request: JsonRpcRequest): boolean {
    const uri = request.params?.uri;
    if (typeof uri !== 'string') {
      this.toSession(errorResponse(request.id, INVALID_PARAMS, `${request.method} needs params.uri`));
      return true;
    }
    const subscribing = request.method === 'resources/subscribe';
    if (subscribing && this.#host.holds(this, uri)) return this.#answerHere(request);
    const toChild = subscribing ? this.#host.subscribe(this, uri) : this.#host.unsubscribe(this, uri);
    if (!toChild) return this.#answerHere(request);
    this.#forward(request, (answer) => {
      // The child refused the subscription: nobody holds it.
      if (subscribing && isResponse(answer) && 'error' in answer) this.#host.unsubscribe(this, uri);
    });
    return true;
  }

  /** The child logs at the most verbose level any session set; each session gets only its own level and above. */
  #setLevel(request: JsonRpcRequest): boolean {
    const level = request.params?.level;
    if (typeof level !== 'string') {
      this.#forward(request);
      return true;
    }
    this.logLevel = level;
    const childLevel = this.#host.childLogLevel();
    if (childLevel === undefined) return this.#answerHere(request);
    this.#forward({ ...request, params: { ...request.params, level: childLevel } });
    return true;
  }

  #answerHere(request: JsonRpcRequest): boolean {
    this.toSession({ jsonrpc: '2.0', id: request.id, result: {} });
    return true;
  }

  #forward(request: JsonRpcRequest, onAnswer?: (message: JsonRpcMessage) => void): void {
    const exchange: SessionExchange = {
      id: request.id,
      link: this,
      deliver: (m) => {
        if (onAnswer && isResponse(m)) onAnswer(m);
        this.toSession(m);
      },
    };
    const order = this.#host.tick();
    const call = this.#host.forward(request, exchange);
    if (call) this.#calls.set(request.id, { call, order });
  }
}
