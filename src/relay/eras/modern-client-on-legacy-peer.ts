import { randomBytes } from 'node:crypto';
import { errorResponse, INTERNAL_ERROR, INVALID_PARAMS, METHOD_NOT_FOUND, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcResponse } from '../../shared/jsonrpc.js';
import { Mux } from '../mux.js';
import { ADAPTER_CLIENT_CAPABILITIES, capabilityNames, missingCapabilities, requiredCapabilities } from './client-capabilities.js';
import { MODERN_PROTOCOL_VERSION, readEnvelope, type Envelope, type JsonObject } from './protocol.js';
import { ListenBridge } from './subscriptions.js';
import { routeLog } from './log-routing.js';
import type { Call, Exchange, JsonRpcId, JsonRpcRequest, ModernRelay, RelayOptions } from './relay-types.js';
import { isRemovedMethod } from './removed-methods.js';
import { completeResult, discoverFromInitialize, inputRequestOf, inputRequiredResult, MRTR_METHODS, SERVER_REQUEST_CAPABILITY } from './results.js';
import { unknownResourceError } from './unknown-resource.js';
import { isObject } from '../../shared/is-object.js';

export interface ModernClientOnLegacyPeerOptions extends RelayOptions {
  /** The 2025-era revision offered to the child in `initialize` (default 2025-11-25). */
  legacyVersion?: string;
  /**
   * How long after the child's first server→client request of a round the adapter waits for more
   * before answering `input_required` (requests a child sends together go in one round; default 10 ms).
   */
  inputCollectMs?: number;
}

interface Ask {
  childAskId: string | number;
  method: string;
  params: JsonObject | undefined;
}

/** The multi-round-trip state of a call whose child asked the client something. */
interface Rounds {
  /** The requestState of the round the client holds now; undefined while a retry is being served. */
  state: string | undefined;
  /** The child's requests not answered yet, by their inputRequests key. */
  asks: Map<string, Ask>;
  seq: number;
  final: JsonRpcResponse | undefined;
  /** The collection window of the round being gathered. */
  collecting: NodeJS.Timeout | undefined;
}

interface Pending {
  request: JsonRpcRequest;
  exchange: Exchange;
  cancel: (() => void) | undefined;
  cancelled: boolean;
}

/**
 * A 2026-07-28 client on a 2025-era child. The relay performs `initialize`/`notifications/initialized`
 * with the child, declaring every client capability it can serve (ADAPTER_CLIENT_CAPABILITIES), and
 * holds each request to the capabilities *it* declares: a child's sampling/elicitation/roots request
 * made for a request that did not declare what it needs is refused to the child. It answers
 * `server/discover` from the child's initialize result, refuses the methods 2026-07-28 removed with
 * `-32601`, adds `resultType` and cache hints to results, maps `subscriptions/listen` onto
 * `resources/subscribe` and the child's unsolicited notifications, and turns the child's server→client
 * requests during a call into one `input_required` result per round (with a fresh `requestState`
 * each round) whose retry answers the child's still-waiting requests. Everything else is forwarded.
 */
export class ModernClientOnLegacyPeer implements ModernRelay {
  readonly #opts: ModernClientOnLegacyPeerOptions;
  readonly #mux: Mux;
  #closed = false;
  readonly #legacyVersion: string;
  readonly #collectMs: number;
  #phase: 'none' | 'pending' | 'ready' | 'failed' = 'none';
  #failure: { code: number; message: string } | undefined;
  #initResult: JsonObject = {};
  readonly #queue: Pending[] = [];
  readonly #rounds = new Map<Call, Rounds>();
  readonly #byState = new Map<string, Call>();
  readonly #listens: ListenBridge;

  constructor(opts: ModernClientOnLegacyPeerOptions) {
    this.#opts = opts;
    this.#mux = new Mux({
      peer: opts.peer, idPrefix: 'l', requestTimeoutMs: opts.requestTimeoutMs,
      events: {
        response: (call, response) => this.#onCallResponse(call, response),
        request: (request) => this.#onPeerRequest(request),
        notification: (n) => this.#onNotification(n),
        ended: (call) => this.#onCallEnded(call),
      },
    });
    this.#legacyVersion = opts.legacyVersion ?? '2025-11-25';
    this.#collectMs = opts.inputCollectMs ?? 10;
    this.#listens = new ListenBridge((method, params) => this.#mux.request(method, params));
  }

  get busy(): boolean {
    return this.#mux.size > 0 || this.#listens.size > 0 || this.#queue.length > 0;
  }

  fromPeer(message: JsonRpcMessage): void {
    this.#mux.fromPeer(message);
  }

  open(request: JsonRpcRequest, exchange: Exchange): () => void {
    const pending: Pending = { request, exchange, cancel: undefined, cancelled: false };
    const cancel = (): void => {
      pending.cancelled = true;
      pending.cancel?.();
    };
    if (this.#closed) exchange.deliver(errorResponse(exchange.id, INTERNAL_ERROR, 'MCP server process is not running'));
    else if (isRemovedMethod(request.method)) exchange.deliver(errorResponse(exchange.id, METHOD_NOT_FOUND, `Method not found: ${request.method} is not part of protocol revision ${MODERN_PROTOCOL_VERSION}`));
    else if (this.#phase === 'ready') this.#dispatch(pending);
    else if (this.#phase === 'failed') exchange.deliver(errorResponse(exchange.id, this.#failure!.code, this.#failure!.message));
    else {
      this.#queue.push(pending);
      if (this.#phase === 'none') this.#initialize(readEnvelope(request.params));
    }
    return cancel;
  }

  /**
   * The cancellation of a client with one stream (mcp-client's stdio edge), by its own request id: the
   * request is found where it is (waiting for the handshake, a call on the mux, a listen), so the edge
   * keeps no table of its own. A proxy exchange cancels through the closer `open` returned instead
   * (HTTP clients' ids collide).
   */
  cancel(id: JsonRpcId): void {
    const queued = this.#queue.find((p) => p.exchange.id === id);
    if (queued) return void (queued.cancelled = true);
    for (const call of this.#mux.calls()) if (call.exchange?.id === id) return this.#mux.cancel(call, 'the client closed the request');
    this.#listens.cancel(id);
  }

  close(code: number, message: string, data?: unknown): void {
    this.#closed = true;
    this.#mux.fail(code, message, data);
    this.#phase = 'failed';
    this.#failure = { code, message };
    for (const p of this.#queue.splice(0)) if (!p.cancelled) p.exchange.deliver(errorResponse(p.exchange.id, code, message, data));
    this.#listens.closeAll((ex) => ex.deliver(errorResponse(ex.id, code, message, data)));
  }

  #initialize(envelope: Envelope | undefined): void {
    this.#phase = 'pending';
    const clientInfo = envelope?.clientInfo ?? { name: 'mcp-proxy', version: '0.0.0' };
    const capabilities = structuredClone(ADAPTER_CLIENT_CAPABILITIES);
    void this.#mux.request('initialize', { protocolVersion: this.#legacyVersion, capabilities, clientInfo }).then((response) => {
      if (this.#closed) return;
      if (!('result' in response) || !isObject(response.result)) {
        const why = 'error' in response ? response.error.message : 'no result';
        this.#phase = 'failed';
        this.#failure = { code: INTERNAL_ERROR, message: `The MCP server refused the initialize handshake the proxy performs for 2026-07-28 clients: ${why}` };
        for (const p of this.#queue.splice(0)) if (!p.cancelled) p.exchange.deliver(errorResponse(p.exchange.id, this.#failure.code, this.#failure.message));
        return;
      }
      this.#initResult = response.result;
      this.#phase = 'ready';
      this.#opts.peer.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      // Each request filters logs by its own envelope logLevel, so the child sends everything.
      const caps = isObject(this.#initResult.capabilities) ? this.#initResult.capabilities : {};
      if (isObject(caps.logging)) void this.#mux.request('logging/setLevel', { level: 'debug' });
      for (const p of this.#queue.splice(0)) if (!p.cancelled) this.#dispatch(p);
    });
  }

  #dispatch(p: Pending): void {
    const { request, exchange } = p;
    if (request.method === 'server/discover') {
      exchange.deliver({ jsonrpc: '2.0', id: exchange.id, result: discoverFromInitialize(this.#initResult, this.#opts.supportedVersions) });
    } else if (request.method === 'subscriptions/listen') {
      const caps = isObject(this.#initResult.capabilities) ? this.#initResult.capabilities : {};
      p.cancel = this.#listens.open(request.params, exchange, caps);
    } else if (typeof request.params?.requestState === 'string') {
      p.cancel = this.#resume(request, exchange);
    } else {
      const { inputResponses: _ir, ...params } = request.params ?? {};
      p.cancel = this.#mux.closerFor(this.#mux.forward(request, exchange, request.params ? params : undefined), exchange);
    }
  }

  /**
   * A retry of a call parked on `input_required`: only the round's current requestState is accepted,
   * once; its answers go to the child's waiting requests and the call resumes on this exchange.
   */
  #resume(request: JsonRpcRequest, exchange: Exchange): (() => void) | undefined {
    const params = request.params ?? {};
    const state = params.requestState as string;
    const call = this.#byState.get(state);
    const rounds = call ? this.#rounds.get(call) : undefined;
    const name = typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : undefined;
    if (!call || !rounds || rounds.state !== state) {
      exchange.deliver(errorResponse(exchange.id, INVALID_PARAMS, 'Invalid params: requestState is unknown, expired or from an earlier round; send the request again without it'));
      return undefined;
    }
    if (call.method !== request.method || call.name !== name || call.exchange) {
      exchange.deliver(errorResponse(exchange.id, INVALID_PARAMS, 'Invalid params: requestState belongs to another request'));
      return undefined;
    }
    this.#byState.delete(state);
    rounds.state = undefined;
    call.exchange = exchange;
    call.envelope = readEnvelope(params);
    const token = isObject(params._meta) ? params._meta.progressToken : undefined;
    call.callerToken = typeof token === 'string' || typeof token === 'number' ? token : undefined;
    const responses = isObject(params.inputResponses) ? params.inputResponses : {};
    for (const [key, value] of Object.entries(responses)) {
      const ask = rounds.asks.get(key);
      if (!ask || !isObject(value)) continue;
      rounds.asks.delete(key);
      this.#opts.peer.send({ jsonrpc: '2.0', id: ask.childAskId, result: value });
    }
    if (rounds.final) this.#finish(call, rounds.final);
    else if (rounds.asks.size > 0) this.#collect(call, rounds);
    else this.#mux.arm(call, this.#opts.requestTimeoutMs);
    return this.#mux.closerFor(call, exchange);
  }

  #onCallResponse(call: Call, response: JsonRpcResponse): void {
    const rounds = this.#rounds.get(call);
    if (!call.exchange && rounds) rounds.final = response;
    else this.#finish(call, response);
  }

  #onPeerRequest(request: JsonRpcRequest): void {
    const capability = SERVER_REQUEST_CAPABILITY[request.method];
    let target: Call | undefined;
    for (const call of this.#mux.calls()) if (MRTR_METHODS.includes(call.method)) target = call;
    const refuse = (why: string): void => void this.#opts.peer.send(errorResponse(request.id, METHOD_NOT_FOUND, why));
    if (!capability) return refuse(`${request.method} cannot be relayed to a 2026-07-28 client`);
    if (!target) return refuse(`${request.method} cannot be relayed: a 2026-07-28 client answers it only within tools/call, prompts/get or resources/read, and none is in flight`);
    let rounds = this.#rounds.get(target);
    if (!rounds) {
      rounds = { state: undefined, asks: new Map(), seq: 0, final: undefined, collecting: undefined };
      this.#rounds.set(target, rounds);
    }
    rounds.asks.set(`${capability}-${++rounds.seq}`, { childAskId: request.id, method: request.method, params: request.params });
    if (target.exchange) this.#collect(target, rounds);
  }

  #onNotification(n: JsonRpcNotification): void {
    if (n.method === 'notifications/message') return routeLog(this.#mux.calls(), n);
    if (!this.#listens.deliver(n)) this.#opts.logger?.debug('child notification outside any request dropped', { method: n.method });
  }

  /** A call ended: its round (if any) goes, and the child's questions still waiting are refused. */
  #onCallEnded(call: Call): void {
    const rounds = this.#rounds.get(call);
    if (!rounds) return;
    if (rounds.collecting) clearTimeout(rounds.collecting);
    this.#rounds.delete(call);
    if (rounds.state !== undefined) this.#byState.delete(rounds.state);
    for (const ask of rounds.asks.values()) this.#opts.peer.send(errorResponse(ask.childAskId, INTERNAL_ERROR, 'The client request this was asked for has ended'));
  }

  /** The child's answer, translated for a 2026-07-28 client, to the call's exchange. */
  #finish(call: Call, response: JsonRpcResponse): void {
    if ('error' in response && call.method === 'resources/read' && call.name !== undefined) {
      response = { jsonrpc: '2.0', id: response.id, error: unknownResourceError(response.error, call.name) };
    }
    this.#mux.respond(call, response, (r) => completeResult(r, call.method));
  }

  /** Gathers the child's requests that come together into one round, then answers the round. */
  #collect(call: Call, rounds: Rounds): void {
    if (rounds.collecting) return;
    rounds.collecting = setTimeout(() => {
      rounds.collecting = undefined;
      if (call.exchange && this.#rounds.get(call) === rounds) this.#round(call, rounds);
    }, this.#collectMs);
  }

  /**
   * Ends the client's exchange with `input_required` under a new requestState (the call waits for the
   * retry). A question that needs a capability this exchange's request did not declare is refused to
   * the child instead (it treats that as a client without the feature, as a 2025 server must), and
   * the call goes on: the adapter cannot tell a question a tool needs from one a server asks on the
   * off chance (server-everything asks `roots/list` whenever the client has roots), nor always which
   * request a 2025 server asks it for, so it never fails the client's request for it.
   */
  #round(call: Call, rounds: Rounds): void {
    const exchange = call.exchange!;
    const declared = call.envelope?.clientCapabilities ?? {};
    for (const [key, ask] of rounds.asks) {
      const missing = missingCapabilities(requiredCapabilities(ask.method, ask.params) ?? {}, declared);
      if (!missing) continue;
      rounds.asks.delete(key);
      this.#opts.peer.send(errorResponse(ask.childAskId, METHOD_NOT_FOUND,
        `${ask.method} cannot be relayed: the client did not declare the ${capabilityNames(missing).join(', ')} capability on this request`, { requiredCapabilities: missing }));
    }
    if (rounds.asks.size === 0) return;
    call.exchange = undefined;
    rounds.state = newToken('rs-');
    this.#byState.set(rounds.state, call);
    const inputRequests: JsonObject = {};
    for (const [key, ask] of rounds.asks) inputRequests[key] = inputRequestOf(ask.method, ask.params);
    const ttl = this.#opts.inputTimeoutMs ?? this.#opts.requestTimeoutMs;
    this.#mux.arm(call, ttl, () => this.#mux.cancel(call, `the client did not retry within ${ttl / 1000}s`));
    exchange.deliver({ jsonrpc: '2.0', id: exchange.id, result: inputRequiredResult(inputRequests, rounds.state) });
  }
}

/** An unguessable token (requestState): 128 bits from the CSPRNG. */
function newToken(prefix: string): string {
  return `${prefix}${randomBytes(16).toString('base64url')}`;
}
