import type { IncomingMessage, ServerResponse } from 'node:http';
import { StandaloneQueue } from './standalone-queue.js';
import { WebStandardStreamableHTTPServerTransport, type JSONRPCMessage } from '@modelcontextprotocol/server';
import { errorResponse, INTERNAL_ERROR, isNotification, isRequest, isResponse, REQUEST_TIMEOUT, SERVER_ERROR, type JsonRpcId, type JsonRpcMessage } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import type { ChildExit, ChildOptions } from '../child/child-process.js';
import { describeExit, exitErrorData } from '../child/child-exit.js';
import { resumptionOf, TRANSPORT_PROTOCOL_VERSIONS, type DirectPost } from '../http/direct-post.js';
import { DirectStreams, sendsPrimingEvent, SSE_KEEP_ALIVE_MS, SSE_RETRY_MS, sseHeaders } from '../http/direct-sse.js';
import { refusal } from '../http/refusals.js';
import { SessionEventStore } from './session-event-store.js';
import { InflightTable, progressTokenOf } from '../../relay/routing.js';
import type { AcquirePeer, SessionPeer } from './session-peer.js';
import { sendJson, toBodylessRequest, writeWebResponse } from '../http/web-bridge.js';
import type { CallerIdentity } from '../identity/caller-identity.js';
import { ToolFilterStage, type ToolFilterRules } from '../../relay/tool-filter.js';
import type { SessionCloseCause } from './session-table.js';

export interface SessionConfig {
  child: Omit<ChildOptions, 'logger'>;
  requestTimeoutMs: number;
  /** Messages kept for the GET stream while none is open; the oldest is dropped beyond this. */
  maxQueuedMessages: number;
  maxBodyBytes: number;
  /** --allow-tools / --deny-tools: one ToolFilterStage per session between the client and the peer. */
  toolFilter?: ToolFilterRules;
  /** The session's event store caps (over all its streams); absent = no resumability (--no-event-store). */
  eventStore?: { maxEvents: number; maxBytes: number };
  /** SSE keep-alive comment interval on every stream of the session; 0 disables (default 15 s). */
  keepAliveMs?: number;
  logger: Logger;
  now: () => number;
}

/**
 * One 2025-era MCP session: one SDK Streamable HTTP server transport toward the client (the edge) and
 * one peer link (`SessionPeer`, obtained through the `AcquirePeer` seam: its own child, possibly behind
 * the era translator for a modern-only child, or its share of its principal's child), with a
 * transparent JSON-RPC relay between them. What the peer writes takes the routing of `#toClient`.
 *
 * The hot path, a POST of an established session that the SDK transport would accept unchanged, does
 * not go through the transport: the session writes its SSE answer itself (`DirectStreams`). Initialize,
 * GET streams, DELETE and every POST the transport would refuse or rewrite still go through the SDK.
 */
export class Session {
  readonly id: string;
  readonly principal: string | undefined;
  lastActivity: number;
  onclosed?: (session: Session) => void;
  /** Why the session ended, once it has: a DELETE (or the transport closing), idleness, a dead child, shutdown. */
  closeCause: SessionCloseCause | undefined;
  readonly #cfg: SessionConfig;
  readonly #log: Logger;
  readonly #transport: WebStandardStreamableHTTPServerTransport;
  /** Where the client's messages go, and where the messages for the client come from. */
  readonly #peer: SessionPeer;
  /** Hides filtered tools (relay/tool-filter.ts); undefined without --allow-tools/--deny-tools. */
  readonly #tools: ToolFilterStage | undefined;
  readonly #inflight = new InflightTable();
  readonly #queue: StandaloneQueue;
  /** The session's SSE events, for resumption with Last-Event-ID (both the SDK's streams and direct ones). */
  readonly #events: SessionEventStore | undefined;
  readonly #direct: DirectStreams;
  /** The SSE headers of a direct stream without CORS headers (most requests carry no Origin). */
  readonly #plainSseHeaders: Record<string, string>;
  #getOpen = false;
  /** The id of the client's `initialize` until it is answered: its result says the protocol version. */
  #initializeId: JsonRpcId | undefined;
  /** The protocol version the child agreed to in its initialize result. */
  protocolVersion: string | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** The newest message handed to the SDK transport (they are written in order). */
  #lastSend: Promise<void> = Promise.resolve();

  /**
   * `acquirePeer`: how this session obtains its peer link (acquire-peer.ts). `caller`: the caller's
   * variables for its child and that child's key (--header-to-env, --forward-claims; identity/).
   */
  constructor(id: string, principal: string | undefined, cfg: SessionConfig, acquirePeer: AcquirePeer, caller?: CallerIdentity) {
    this.id = id;
    this.principal = principal;
    this.#cfg = cfg;
    this.lastActivity = cfg.now();
    this.#log = cfg.logger.child({ session: id.slice(0, 8) });
    this.#plainSseHeaders = sseHeaders(id, {});
    this.#queue = new StandaloneQueue(cfg.maxQueuedMessages, () => this.#log.warn('no GET stream open: oldest queued server message dropped', { max: cfg.maxQueuedMessages }));
    this.#events = cfg.eventStore ? new SessionEventStore({ ...cfg.eventStore, now: cfg.now }) : undefined;
    const keepAliveMs = cfg.keepAliveMs ?? SSE_KEEP_ALIVE_MS;
    this.#direct = new DirectStreams(undefined, this.#events, keepAliveMs);
    this.#transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      maxRequestBodySize: cfg.maxBodyBytes,
      supportedProtocolVersions: [...TRANSPORT_PROTOCOL_VERSIONS],
      ...(this.#events ? { eventStore: this.#events } : {}),
      retryInterval: SSE_RETRY_MS,
      keepAliveMs,
    });
    this.#transport.onmessage = (m) => this.#deliver(m as JsonRpcMessage);
    this.#transport.onerror = (error) => this.#log.debug('transport', { error });
    this.#transport.onclose = () => void this.close('session ended');
    void this.#transport.start();
    this.#tools = cfg.toolFilter ? new ToolFilterStage(cfg.toolFilter) : undefined;
    this.#peer = acquirePeer({ sessionId: id, principal, logger: this.#log, ...(caller ? { childEnv: caller.env, childKey: caller.key } : {}) });
    this.#peer.onmessage = (m, line) => this.#toClient(m, line);
    void this.#peer.ended.then((exit) => this.#onChildExit(exit));
  }

  get pid(): number | undefined {
    return this.#peer.pid;
  }

  /** True while a client request awaits its answer: such a session is never idle. */
  get busy(): boolean {
    return this.#inflight.size > 0;
  }

  /** JSON-RPC batches were removed in protocol version 2025-06-18. */
  get allowsBatches(): boolean {
    return this.protocolVersion === undefined || this.protocolVersion < '2025-06-18';
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Serves one HTTP request of this session. `direct` is set when the request is a POST the SDK
   * transport would accept as it stands (direct-post.ts): once the transport went through its
   * initialize (it then has a session id), the session answers such a POST itself.
   */
  async handle(req: IncomingMessage, res: ServerResponse, parsedBody: unknown, extraHeaders: Record<string, string>, direct?: DirectPost, rawBody?: string): Promise<void> {
    this.lastActivity = this.#cfg.now();
    if (direct && this.#transport.sessionId !== undefined && !this.#closed) return this.#handleDirect(direct, req, res, extraHeaders, rawBody);
    if (req.method === 'GET' && this.#resumeDirect(req, res, extraHeaders)) return;
    const response = await this.#transport.handleRequest(toBodylessRequest(req), parsedBody === undefined ? undefined : { parsedBody });
    if (req.method === 'GET' && response.status === 200) {
      this.#getOpen = true;
      res.once('close', () => {
        this.#getOpen = false;
        this.lastActivity = this.#cfg.now();
      });
      queueMicrotask(() => this.#queue.flush(() => this.#getOpen, (m) => this.#send(m)));
    }
    await writeWebResponse(response, res, extraHeaders);
  }

  /** A POST served without the SDK transport: 202 for a notification, else the request's own SSE stream. */
  #handleDirect(direct: DirectPost, req: IncomingMessage, res: ServerResponse, extraHeaders: Record<string, string>, rawBody: string | undefined): void {
    if (direct.kind === 'notification') {
      this.#deliver(direct.message, rawBody);
      res.writeHead(202, extraHeaders);
      res.end();
      return;
    }
    const headers = hasKeys(extraHeaders) ? sseHeaders(this.id, extraHeaders) : this.#plainSseHeaders;
    const version = req.headers['mcp-protocol-version'];
    this.#direct.open(direct.message.id, res, headers, sendsPrimingEvent(typeof version === 'string' ? version : undefined, TRANSPORT_PROTOCOL_VERSIONS));
    this.#deliver(direct.message, rawBody);
  }

  /**
   * A GET resuming a direct stream (`Last-Event-ID`): served here, the SDK knowing only its own streams.
   * An id whose sequel is not kept (unknown, or evicted from the store) is refused here for both kinds.
   */
  #resumeDirect(req: IncomingMessage, res: ServerResponse, extraHeaders: Record<string, string>): boolean {
    const lastEventId = resumptionOf(req);
    if (lastEventId === undefined || this.#events === undefined || this.#transport.sessionId === undefined || this.#closed) return false;
    const at = this.#events.streamOf(lastEventId);
    if (!at) throw refusal('EVENTS_GONE');
    if (at.directRequest === undefined) return false;
    if (!this.#direct.resume(at.directRequest, at.streamId, at.seq, res, sseHeaders(this.id, extraHeaders))) {
      sendJson(res, 409, { jsonrpc: '2.0', error: { code: SERVER_ERROR, message: 'Conflict: Stream already has an active connection' }, id: null }, extraHeaders);
    }
    return true;
  }

  /** Ends the session: pending client requests get `reason` as an error, then the child's tree is ended. */
  close(reason: string, cause: SessionCloseCause = 'deleted'): Promise<void> {
    if (this.#closed) return this.#closing ?? Promise.resolve();
    this.#closed = true;
    this.closeCause = cause;
    this.#failInflight(INTERNAL_ERROR, reason);
    this.#peer.fail(INTERNAL_ERROR, reason);
    this.#direct.closeAll();
    this.#closing = (async () => {
      // The transport writes a message once its event is stored (a microtask later): let the last ones out.
      await this.#lastSend;
      await this.#transport.close();
      const exit = await this.#peer.close();
      this.#log.info('session closed', exit ? { reason, exitCode: exit.code, signal: exit.signal } : { reason });
      this.onclosed?.(this);
    })();
    return this.#closing;
  }

  /**
   * A message from the client, whichever way it came (SDK transport or direct POST). `json`: its text as
   * the client sent it (a direct POST's body), which the peer may write as it is.
   */
  #deliver(message: JsonRpcMessage, json?: string): void {
    this.#track(message);
    const hidden = this.#tools?.fromClient(message);
    if (hidden) return queueMicrotask(() => this.#toClient(hidden));
    const sent = json !== undefined && this.#peer.sendLine ? this.#peer.sendLine(message, json) : this.#peer.send(message);
    if (!sent && isRequest(message)) {
      this.#inflight.delete(message.id);
      this.#send(errorResponse(message.id, INTERNAL_ERROR, 'MCP server process is not running'));
    }
  }

  /** Client-side bookkeeping common to both modes: activity, in-flight requests and their timers. */
  #track(message: JsonRpcMessage): void {
    this.lastActivity = this.#cfg.now();
    if (isRequest(message)) {
      const id = message.id;
      if (message.method === 'initialize') this.#initializeId = id;
      const timer = setTimeout(() => this.#onTimeout(id), this.#cfg.requestTimeoutMs);
      this.#inflight.add(id, progressTokenOf(message), timer);
    } else if (isNotification(message) && message.method === 'notifications/cancelled') {
      const requestId = message.params?.requestId;
      if (typeof requestId === 'string' || typeof requestId === 'number') {
        this.#inflight.delete(requestId);
        this.#direct.cancelled(requestId);
      }
    }
  }

  /**
   * Routes a message for the client (from the child, or from the adapter in adapted mode) to its stream.
   * `fromLine`: the child's stdout line it was parsed from, which a direct stream writes as it is when
   * the message passed unchanged (not rewritten by the tool filter).
   */
  #toClient(fromPeer: JsonRpcMessage, fromLine?: string): void {
    const message = this.#tools ? this.#tools.toClient(fromPeer) : fromPeer;
    const line = message === fromPeer ? fromLine : undefined;
    const route = this.#inflight.route(message);
    if (route.kind === 'related') {
      if (route.completes) {
        if (route.requestId === this.#initializeId) this.#onInitializeAnswer(message);
        this.#inflight.delete(route.requestId);
      }
      else if (route.isProgress) this.#inflight.timerOf(route.requestId)?.refresh();
      this.#send(message, route.requestId, line);
    } else if (route.kind === 'standalone') {
      if (this.#getOpen) this.#send(message);
      else this.#queue.push(message);
    } else {
      this.#log.debug('message for a request no longer in flight dropped', { method: 'method' in message ? message.method : undefined });
    }
  }

  /** The answer to the client's `initialize`: the protocol version the child agreed to. */
  #onInitializeAnswer(message: JsonRpcMessage): void {
    this.#initializeId = undefined;
    const version = (message as { result?: { protocolVersion?: unknown } }).result?.protocolVersion;
    if (typeof version === 'string') this.protocolVersion = version;
  }

  #send(message: JsonRpcMessage, relatedRequestId?: JsonRpcId, line?: string): void {
    // As in the SDK transport, a response belongs to the stream of the request it answers.
    const streamOf = isResponse(message) ? message.id : relatedRequestId;
    if (streamOf !== undefined && streamOf !== null && this.#direct.deliver(message, streamOf, line)) return;
    this.#lastSend = this.#transport
      .send(message as JSONRPCMessage, relatedRequestId === undefined ? undefined : { relatedRequestId })
      .catch((error: unknown) => this.#log.debug('could not deliver message to client', { error }));
  }

  #onTimeout(id: JsonRpcId): void {
    if (!this.#inflight.delete(id)) return;
    const seconds = this.#cfg.requestTimeoutMs / 1000;
    this.#log.warn('request timed out', { requestId: id, seconds });
    this.#send(errorResponse(id, REQUEST_TIMEOUT, `Request timed out: the MCP server did not answer within ${seconds}s`));
    const cancel: JsonRpcMessage = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: `timed out after ${seconds}s` } };
    this.#peer.send(cancel);
  }

  #failInflight(code: number, message: string, data?: unknown): void {
    for (const id of this.#inflight.ids()) {
      this.#inflight.delete(id);
      this.#send(errorResponse(id, code, message, data));
    }
  }

  #onChildExit(exit: ChildExit): void {
    if (this.#closed) return;
    const message = describeExit(this.#cfg.child.command, exit);
    this.#log.warn(message, { exitCode: exit.code, signal: exit.signal });
    this.#failInflight(INTERNAL_ERROR, message, exitErrorData(exit));
    this.#peer.fail(INTERNAL_ERROR, message);
    void this.close(message, 'crashed');
  }
}

function hasKeys(record: Record<string, string>): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return true;
  return false;
}
