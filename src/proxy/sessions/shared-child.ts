import { ADAPTER_CLIENT_CAPABILITIES, capabilityNames } from '../../relay/eras/client-capabilities.js';
import type { JsonObject } from '../../relay/eras/protocol.js';
import { Mux, type Call } from '../../relay/mux.js';
import { errorResponse, INTERNAL_ERROR, METHOD_NOT_FOUND, type JsonRpcId, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import { describeExit, exitErrorData } from '../child/child-exit.js';
import type { ChildExit } from '../child/child-process.js';
import { askTarget } from './ask-routing.js';
import type { ChildPeer } from './child-peer.js';
import { SharedChildLink, type SessionExchange, type SharedChildHost } from './shared-child-link.js';
import { SubscriptionCounts } from './subscription-counts.js';
import { sessionWantsLog, sharedLogLevel } from './shared-log-level.js';

/**
 * What the shared child is told it may ask, at its one `initialize`: every client capability the
 * proxy can route to some session (sampling with tools and context, elicitation in form and URL
 * mode, roots with list changes). Each server→client request is then checked against what the
 * session it is routed to declared (ask-routing.ts).
 */
export const SHARED_CLIENT_CAPABILITIES: Readonly<JsonObject> = Object.freeze({ ...ADAPTER_CLIENT_CAPABILITIES, roots: { listChanged: true } });

/**
 * The one child that all 2025-era sessions of one principal share (`--isolation principal`): one
 * `ChildPeer` (so a modern-only child gets the era translator once), one `Mux` over it, and one
 * `SharedChildLink` per session. From the child: responses and progress go back through the mux to
 * the session that asked; a server→client request to the session chosen by `askTarget` (its answer
 * relayed under the child's id, and only from that session); `resources/updated` to the sessions
 * holding that URI; `cancelled` for a server→client request to the session asked; log messages to
 * every session whose own `logging/setLevel` they pass (the child logs at the most verbose level set);
 * every other notification to every session. The child ends when its last session leaves.
 */
export class SharedChild implements SharedChildHost {
  readonly key: string;
  readonly ended: Promise<ChildExit>;
  /** Told once, when the child is gone (or going): the registry forgets it. */
  onended?: (child: SharedChild) => void;
  readonly #peer: ChildPeer;
  readonly #command: string;
  readonly #log: Logger;
  readonly #mux: Mux<SessionExchange>;
  readonly #links = new Set<SharedChildLink>();
  /** The child's server→client requests not yet answered, and the session each was asked of. */
  readonly #asks = new Map<JsonRpcId, SharedChildLink>();
  readonly #subscriptions = new SubscriptionCounts<SharedChildLink>();
  #initialized: Promise<JsonRpcResponse> | undefined;
  #clock = 0;
  /** The level the child was last set to with `logging/setLevel`. */
  #logLevel: string | undefined;
  #closing: Promise<ChildExit> | undefined;

  constructor(key: string, peer: ChildPeer, command: string, logger: Logger) {
    this.key = key;
    this.#peer = peer;
    this.#command = command;
    this.#log = logger;
    this.#mux = new Mux<SessionExchange>({
      peer, idPrefix: 'shared-',
      events: {
        response: (call, response) => this.#mux.respond(call, response),
        otherResponse: (response) => this.#log.debug('response to no request of the shared child dropped', { id: response.id }),
        request: (request) => this.#ask(request),
        notification: (n) => this.#notification(n),
        ended: (call) => call.exchange?.link?.forget(call),
      },
    });
    peer.onmessage = (m) => this.#mux.fromPeer(m);
    this.ended = peer.ended;
    void peer.ended.then((exit) => this.#onExit(exit));
  }

  get pid(): number | undefined {
    return this.#peer.pid;
  }

  get sessions(): number {
    return this.#links.size;
  }

  /** Whether a new session may still join (the child is not ending). */
  get joinable(): boolean {
    return this.#closing === undefined;
  }

  /** A new session's share of the child. */
  attach(): SharedChildLink {
    const link = new SharedChildLink(this);
    this.#links.add(link);
    return link;
  }

  tick(): number {
    return ++this.#clock;
  }

  forward(request: JsonRpcRequest, exchange: SessionExchange): Call<SessionExchange> | undefined {
    const call = this.#mux.forward(request, exchange, request.params, false);
    return this.#mux.get(call.peerId) === call ? call : undefined;
  }

  cancel(call: Call<SessionExchange>, reason: string): void {
    this.#mux.cancel(call, reason);
  }

  initialized(first: JsonRpcRequest): Promise<JsonRpcResponse> {
    this.#initialized ??= new Promise<JsonRpcResponse>((resolve) => {
      const params = { ...first.params, capabilities: SHARED_CLIENT_CAPABILITIES };
      this.#mux.forward({ jsonrpc: '2.0', id: 'initialize', method: 'initialize', params }, { id: 'initialize', link: undefined, deliver: (m) => resolve(m as JsonRpcResponse) }, params, false);
    }).then((answer) => {
      if ('result' in answer) this.#peer.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      else this.#log.warn('the shared MCP server refused initialize', { error: answer.error });
      return answer;
    });
    return this.#initialized;
  }

  subscribe(link: SharedChildLink, uri: string): boolean {
    return this.#subscriptions.add(uri, link);
  }

  unsubscribe(link: SharedChildLink, uri: string): boolean {
    return this.#subscriptions.remove(uri, link);
  }

  holds(link: SharedChildLink, uri: string): boolean {
    return this.#subscriptions.has(uri, link);
  }

  childLogLevel(): string | undefined {
    const level = sharedLogLevel([...this.#links].map((l) => l.logLevel));
    if (level === this.#logLevel) return undefined;
    this.#logLevel = level;
    return level;
  }

  answer(link: SharedChildLink, response: JsonRpcResponse): void {
    const id = response.id;
    if (id === null || this.#asks.get(id) !== link) {
      this.#log.debug('answer to a request the shared child did not ask this session dropped', { id });
      return;
    }
    this.#asks.delete(id);
    this.#peer.send(response);
  }

  notify(message: JsonRpcMessage): boolean {
    return this.#peer.send(message);
  }

  /** A session left: its calls are cancelled, its questions answered, its last subscriptions undone. */
  detach(link: SharedChildLink): Promise<ChildExit | undefined> {
    if (!this.#links.delete(link)) return Promise.resolve(undefined);
    for (const call of link.calls()) this.#mux.cancel(call, 'the session ended');
    for (const [id, asked] of this.#asks) {
      if (asked !== link) continue;
      this.#asks.delete(id);
      this.#peer.send(errorResponse(id, INTERNAL_ERROR, 'the session this request was routed to ended'));
    }
    for (const uri of this.#subscriptions.drop(link)) this.#internal('resources/unsubscribe', { uri });
    if (this.#links.size === 0) return this.close();
    // The most verbose level may have left with the session.
    const level = this.childLogLevel();
    if (level !== undefined) this.#internal('logging/setLevel', { level });
    return Promise.resolve(undefined);
  }

  /** Ends the child (its last session left, or the proxy stops). */
  close(): Promise<ChildExit> {
    if (!this.#closing) {
      this.#closing = this.#peer.close();
      this.onended?.(this);
    }
    return this.#closing;
  }

  /** A request the shared child makes itself; its answer is only logged. */
  #internal(method: string, params: JsonObject): void {
    const id = `internal-${this.tick()}`;
    this.#mux.forward({ jsonrpc: '2.0', id, method, params }, {
      id, link: undefined,
      deliver: (m) => {
        if ('error' in m) this.#log.debug(`${method} refused by the shared MCP server`, { error: m.error });
      },
    }, params, false);
  }

  #ask(request: JsonRpcRequest): void {
    const live = [...this.#links].filter((l) => !l.closed);
    const verdict = askTarget(live, (l) => ({ capabilities: l.capabilities, newestInflight: l.newestInflight, lastActive: l.lastActive }), request.method, request.params);
    if (verdict.kind === 'refuse') {
      const what = verdict.missing ? `the client did not declare the ${capabilityNames(verdict.missing).join(', ')} capability` : 'no session can answer it';
      this.#peer.send(errorResponse(request.id, METHOD_NOT_FOUND, `${request.method} cannot be relayed: ${what}`, verdict.missing ? { requiredCapabilities: verdict.missing } : undefined));
      return;
    }
    this.#asks.set(request.id, verdict.to);
    verdict.to.toSession(request);
  }

  #notification(n: JsonRpcNotification): void {
    const params = n.params;
    if (n.method === 'notifications/cancelled') {
      // The child gave up on a question: only the session asked hears of it.
      const id = params?.requestId;
      const asked = typeof id === 'string' || typeof id === 'number' ? this.#asks.get(id) : undefined;
      if (asked) this.#asks.delete(id as JsonRpcId);
      asked?.toSession(n);
      return;
    }
    if (n.method === 'notifications/message') {
      for (const link of this.#links) if (sessionWantsLog(params?.level, link.logLevel)) link.toSession(n);
      return;
    }
    const targets = n.method === 'notifications/resources/updated' && typeof params?.uri === 'string' ? this.#subscriptions.holders(params.uri) : [...this.#links];
    for (const link of targets) link.toSession(n);
  }

  #onExit(exit: ChildExit): void {
    if (this.#closing) return;
    const message = describeExit(this.#command, exit);
    this.#log.warn(message, { exitCode: exit.code, signal: exit.signal, sessions: this.#links.size });
    this.#peer.fail(INTERNAL_ERROR, message);
    this.#mux.fail(INTERNAL_ERROR, message, exitErrorData(exit));
    this.#closing = Promise.resolve(exit);
    this.onended?.(this);
  }
}
