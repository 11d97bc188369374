import { errorResponse, INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, type JsonRpcNotification, type JsonRpcResponse } from '../jsonrpc.js';
import { isObject, readEnvelope, type Envelope, type JsonObject } from './envelope.js';
import { ListenBridge } from './listen-bridge.js';
import { newToken, RelayBase } from './relay-base.js';
import type { Call, Exchange, JsonRpcRequest, RelayOptions } from './relay-types.js';
import { completeResult, discoverFromInitialize, inputRequestOf, inputRequiredResult, MRTR_METHODS, SERVER_REQUEST_CAPABILITY, uncoveredCapabilities } from './translate.js';

export interface LegacyChildRelayOptions extends RelayOptions {
  /** The 2025-era revision offered to the child in `initialize` (default 2025-11-25). */
  legacyVersion?: string;
}

interface Ask {
  childAskId: string | number;
  method: string;
  params: JsonObject | undefined;
}

/** The multi-round-trip state of a call whose child asked the client something. */
interface Rounds {
  state: string;
  asks: Map<string, Ask>;
  seq: number;
  final: JsonRpcResponse | undefined;
}

interface Pending {
  request: JsonRpcRequest;
  exchange: Exchange;
  cancel: (() => void) | undefined;
  cancelled: boolean;
}

/**
 * A 2026-07-28 client on a 2025-era child. The relay performs `initialize`/`notifications/initialized`
 * with the child using the first request's envelope, answers `server/discover` from the child's
 * initialize result, adds `resultType` to results, maps `subscriptions/listen` onto
 * `resources/subscribe` and the child's unsolicited notifications, and turns the child's
 * sampling/elicitation/roots requests during a call into an `input_required` result whose retry
 * answers the child's still-waiting request. Everything else is forwarded unchanged.
 */
export class LegacyChildRelay extends RelayBase {
  readonly #legacyVersion: string;
  #phase: 'none' | 'pending' | 'ready' | 'failed' = 'none';
  #failure: { code: number; message: string } | undefined;
  #initCaps: JsonObject = {};
  #initResult: JsonObject = {};
  readonly #queue: Pending[] = [];
  readonly #internal = new Map<string, (r: JsonRpcResponse) => void>();
  #internalSeq = 0;
  readonly #rounds = new Map<Call, Rounds>();
  readonly #byState = new Map<string, Call>();
  readonly #listens = new ListenBridge((method, params) => this.#ask(method, params));

  constructor(opts: LegacyChildRelayOptions) {
    super(opts);
    this.#legacyVersion = opts.legacyVersion ?? '2025-11-25';
  }

  override get busy(): boolean {
    return this.calls.size > 0 || this.#listens.size > 0 || this.#queue.length > 0;
  }

  /** The capabilities the child was initialised with (undefined before the handshake). */
  get initialisedCapabilities(): JsonObject | undefined {
    return this.#phase === 'ready' ? this.#initCaps : undefined;
  }

  open(request: JsonRpcRequest, exchange: Exchange): () => void {
    const pending: Pending = { request, exchange, cancel: undefined, cancelled: false };
    const cancel = (): void => {
      pending.cancelled = true;
      pending.cancel?.();
    };
    if (this.closed) exchange.deliver(errorResponse(exchange.id, INTERNAL_ERROR, 'MCP server process is not running'));
    else if (request.method === 'initialize') exchange.deliver(errorResponse(exchange.id, METHOD_NOT_FOUND, 'Method not found: initialize is not part of protocol revision 2026-07-28'));
    else if (this.#phase === 'ready') this.#dispatch(pending);
    else if (this.#phase === 'failed') exchange.deliver(errorResponse(exchange.id, this.#failure!.code, this.#failure!.message));
    else {
      this.#queue.push(pending);
      if (this.#phase === 'none') this.#initialize(readEnvelope(request.params));
    }
    return cancel;
  }

  override close(code: number, message: string, data?: unknown): void {
    super.close(code, message, data);
    this.#phase = 'failed';
    this.#failure = { code, message };
    for (const p of this.#queue.splice(0)) if (!p.cancelled) p.exchange.deliver(errorResponse(p.exchange.id, code, message, data));
    this.#listens.closeAll((ex) => ex.deliver(errorResponse(ex.id, code, message, data)));
    for (const resolve of this.#internal.values()) resolve(errorResponse(null, code, message));
    this.#internal.clear();
  }

  protected idPrefix(): string {
    return 'l';
  }

  #initialize(envelope: Envelope | undefined): void {
    this.#phase = 'pending';
    this.#initCaps = envelope?.clientCapabilities ?? {};
    const clientInfo = envelope?.clientInfo ?? { name: 'mcp-proxy', version: '0.0.0' };
    void this.#ask('initialize', { protocolVersion: this.#legacyVersion, capabilities: this.#initCaps, clientInfo }).then((response) => {
      if (this.closed) return;
      if (!('result' in response) || !isObject(response.result)) {
        const why = 'error' in response ? response.error.message : 'no result';
        this.#phase = 'failed';
        this.#failure = { code: INTERNAL_ERROR, message: `The MCP server refused the initialize handshake the proxy performs for 2026-07-28 clients: ${why}` };
        for (const p of this.#queue.splice(0)) if (!p.cancelled) p.exchange.deliver(errorResponse(p.exchange.id, this.#failure.code, this.#failure.message));
        return;
      }
      this.#initResult = response.result;
      this.#phase = 'ready';
      this.opts.sendToChild({ jsonrpc: '2.0', method: 'notifications/initialized' });
      for (const p of this.#queue.splice(0)) if (!p.cancelled) this.#dispatch(p);
    });
  }

  #dispatch(p: Pending): void {
    const { request, exchange } = p;
    const caps = readEnvelope(request.params)?.clientCapabilities ?? {};
    const missing = uncoveredCapabilities(this.#initCaps, caps);
    if (missing.length > 0) {
      exchange.deliver(errorResponse(exchange.id, INVALID_REQUEST,
        `Invalid Request: this 2025-era MCP server was initialised for your principal without the client capabilities ${missing.join(', ')}, so it cannot serve a request declaring them; send every request with the capabilities of the first one, or wait until the proxy ends the idle server`,
        { missingCapabilities: missing, initialisedCapabilities: this.#initCaps }));
      return;
    }
    if (request.method === 'server/discover') {
      exchange.deliver({ jsonrpc: '2.0', id: exchange.id, result: discoverFromInitialize(this.#initResult) });
    } else if (request.method === 'subscriptions/listen') {
      const caps = isObject(this.#initResult.capabilities) ? this.#initResult.capabilities : {};
      p.cancel = this.#listens.open(request.params, exchange, caps);
    } else if (typeof request.params?.requestState === 'string') {
      p.cancel = this.#resume(request, exchange);
    } else {
      const { inputResponses: _ir, ...params } = request.params ?? {};
      p.cancel = this.closerFor(this.forward(request, exchange, request.params ? params : undefined), exchange);
    }
  }

  /** A retry of a call parked on `input_required`: answer the child's waiting requests, resume the call. */
  #resume(request: JsonRpcRequest, exchange: Exchange): (() => void) | undefined {
    const params = request.params ?? {};
    const call = this.#byState.get(params.requestState as string);
    const rounds = call ? this.#rounds.get(call) : undefined;
    const name = typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : undefined;
    if (!call || !rounds) {
      exchange.deliver(errorResponse(exchange.id, INVALID_PARAMS, 'Invalid params: requestState is unknown or expired; send the request again without it'));
      return undefined;
    }
    if (call.method !== request.method || call.name !== name || call.exchange) {
      exchange.deliver(errorResponse(exchange.id, INVALID_PARAMS, 'Invalid params: requestState belongs to another request (or one already being retried)'));
      return undefined;
    }
    call.exchange = exchange;
    call.envelope = readEnvelope(params);
    const token = isObject(params._meta) ? params._meta.progressToken : undefined;
    call.clientToken = typeof token === 'string' || typeof token === 'number' ? token : undefined;
    const responses = isObject(params.inputResponses) ? params.inputResponses : {};
    for (const [key, value] of Object.entries(responses)) {
      const ask = rounds.asks.get(key);
      if (!ask || !isObject(value)) continue;
      rounds.asks.delete(key);
      this.opts.sendToChild({ jsonrpc: '2.0', id: ask.childAskId, result: value });
    }
    if (rounds.final) this.deliverResponse(call, rounds.final, (r) => completeResult(r, call.method));
    else if (rounds.asks.size > 0) this.#park(call, rounds);
    else this.armTimer(call);
    return this.closerFor(call, exchange);
  }

  protected override onCallResponse(call: Call, response: JsonRpcResponse): void {
    const rounds = this.#rounds.get(call);
    if (!call.exchange && rounds) rounds.final = response;
    else this.deliverResponse(call, response, (r) => completeResult(r, call.method));
  }

  protected override onOtherResponse(response: JsonRpcResponse): void {
    const resolve = typeof response.id === 'string' ? this.#internal.get(response.id) : undefined;
    if (!resolve) return;
    this.#internal.delete(response.id as string);
    resolve(response);
  }

  protected override onChildRequest(request: JsonRpcRequest): void {
    const capability = SERVER_REQUEST_CAPABILITY[request.method];
    let target: Call | undefined;
    for (const call of this.calls.values()) if (MRTR_METHODS.includes(call.method)) target = call;
    const refuse = (why: string): void => void this.opts.sendToChild(errorResponse(request.id, METHOD_NOT_FOUND, why));
    if (!capability) return refuse(`${request.method} cannot be relayed to a 2026-07-28 client`);
    if (!target) return refuse(`${request.method} cannot be relayed: a 2026-07-28 client answers it only within tools/call, prompts/get or resources/read, and none is in flight`);
    if (!isObject(target.envelope?.clientCapabilities[capability])) return refuse(`${request.method} cannot be relayed: the client did not declare the ${capability} capability on this request`);
    let rounds = this.#rounds.get(target);
    if (!rounds) {
      rounds = { state: newToken('rs-'), asks: new Map(), seq: 0, final: undefined };
      this.#rounds.set(target, rounds);
      this.#byState.set(rounds.state, target);
    }
    rounds.asks.set(`${capability}-${++rounds.seq}`, { childAskId: request.id, method: request.method, params: request.params });
    if (target.exchange) this.#park(target, rounds);
  }

  protected override onUnsolicited(n: JsonRpcNotification): void {
    if (!this.#listens.deliver(n)) super.onUnsolicited(n);
  }

  protected override endCall(call: Call): void {
    super.endCall(call);
    const rounds = this.#rounds.get(call);
    if (!rounds) return;
    this.#rounds.delete(call);
    this.#byState.delete(rounds.state);
    for (const ask of rounds.asks.values()) this.opts.sendToChild(errorResponse(ask.childAskId, INTERNAL_ERROR, 'The client request this was asked for has ended'));
  }

  /** Ends the client's exchange with `input_required`; the call waits for the retry. */
  #park(call: Call, rounds: Rounds): void {
    const exchange = call.exchange!;
    call.exchange = undefined;
    const inputRequests: JsonObject = {};
    for (const [key, ask] of rounds.asks) inputRequests[key] = inputRequestOf(ask.method, ask.params);
    const ttl = this.opts.inputTimeoutMs ?? this.opts.requestTimeoutMs;
    this.armTimer(call, ttl, () => this.cancel(call, `the client did not retry within ${ttl / 1000}s`));
    exchange.deliver({ jsonrpc: '2.0', id: exchange.id, result: inputRequiredResult(inputRequests, rounds.state) });
  }

  /** A request the relay makes itself (handshake, subscriptions); resolves with the child's response. */
  #ask(method: string, params: JsonObject): Promise<JsonRpcResponse> {
    const id = `lx${++this.#internalSeq}`;
    return new Promise((resolve) => {
      const seconds = this.opts.requestTimeoutMs / 1000;
      const timer = setTimeout(() => {
        if (this.#internal.delete(id)) resolve(errorResponse(id, INTERNAL_ERROR, `the MCP server did not answer ${method} within ${seconds}s`));
      }, this.opts.requestTimeoutMs);
      timer.unref?.();
      this.#internal.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      if (!this.opts.sendToChild({ jsonrpc: '2.0', id, method, params })) {
        this.#internal.delete(id);
        clearTimeout(timer);
        resolve(errorResponse(id, INTERNAL_ERROR, 'MCP server process is not running'));
      }
    });
  }
}
