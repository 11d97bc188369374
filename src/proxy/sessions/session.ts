import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebStandardStreamableHTTPServerTransport, type JSONRPCMessage } from '@modelcontextprotocol/server';
import { LegacyClientOnModernPeer } from '../../relay/eras/legacy-client-on-modern-peer.js';
import { errorResponse, INTERNAL_ERROR, isNotification, isRequest, isResponse, REQUEST_TIMEOUT, SERVER_ERROR, type JsonRpcId, type JsonRpcMessage, type JsonRpcRequest } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import type { Link } from '../../relay/link.js';
import { ChildProcess, type ChildExit, type ChildOptions } from '../child/child-process.js';
import { describeExit, exitErrorData } from '../child/child-exit.js';
import { resumptionOf, TRANSPORT_PROTOCOL_VERSIONS, type DirectPost } from '../http/direct-post.js';
import { DirectStreams, sendsPrimingEvent, SSE_RETRY_MS, sseHeaders } from '../http/direct-sse.js';
import { SessionEventStore } from './session-event-store.js';
import { LEGACY_PROTOCOL_VERSIONS } from '../../relay/eras/protocol.js';
import { InflightTable, progressTokenOf } from '../../relay/routing.js';
import { isModernOnlyRejection } from './session-era.js';
import { sendJson, toBodylessRequest, writeWebResponse } from '../http/web-bridge.js';

export type SessionCloseCause = 'deleted' | 'reaped' | 'crashed' | 'shutdown';

export interface SessionConfig {
  child: Omit<ChildOptions, 'logger'>;
  requestTimeoutMs: number;
  /** Messages kept for the GET stream while none is open; the oldest is dropped beyond this. */
  maxQueuedMessages: number;
  maxBodyBytes: number;
  logger: Logger;
  now: () => number;
}

/**
 * One 2025-era MCP session: one SDK Streamable HTTP server transport toward the client (the edge) and
 * one peer link, at first the child process itself, with a transparent JSON-RPC relay between them.
 * A child that answers the `initialize` as a modern-only server (`isModernOnlyRejection`) switches the
 * session to *adapted* mode: the peer link becomes a `LegacyClientOnModernPeer` wrapping the child, whose
 * output toward the client takes the same routing (`#toClient`) as a relayed child message.
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
  readonly #child: ChildProcess;
  /** Where the client's messages go: the child, or in adapted mode the era translator in front of it. */
  #peer: Link<never>;
  readonly #inflight = new InflightTable();
  readonly #queue: JsonRpcMessage[] = [];
  /** The session's SSE events, for resumption with Last-Event-ID (both the SDK's streams and direct ones). */
  readonly #events: SessionEventStore;
  readonly #direct: DirectStreams;
  /** The SSE headers of a direct stream without CORS headers (most requests carry no Origin). */
  readonly #plainSseHeaders: Record<string, string>;
  #getOpen = false;
  /** The client's `initialize`, kept until the child answers it (the adapter replays it). */
  #initialize: JsonRpcRequest | undefined;
  /** Set once the child turned out to be modern-only; undefined on the (unchanged) relay path. */
  #adapter: LegacyClientOnModernPeer | undefined;
  /** The protocol version the child agreed to in its initialize result. */
  protocolVersion: string | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** The newest message handed to the SDK transport (they are written in order). */
  #lastSend: Promise<void> = Promise.resolve();

  /** `child`: a prewarmed, not yet initialized child to use instead of spawning one. */
  constructor(id: string, principal: string | undefined, cfg: SessionConfig, child?: ChildProcess) {
    this.id = id;
    this.principal = principal;
    this.#cfg = cfg;
    this.lastActivity = cfg.now();
    this.#log = cfg.logger.child({ session: id.slice(0, 8) });
    this.#plainSseHeaders = sseHeaders(id, {});
    this.#events = new SessionEventStore({ maxEventsPerStream: cfg.maxQueuedMessages, now: cfg.now });
    this.#direct = new DirectStreams(undefined, this.#events);
    this.#transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      maxRequestBodySize: cfg.maxBodyBytes,
      supportedProtocolVersions: [...TRANSPORT_PROTOCOL_VERSIONS],
      eventStore: this.#events,
      retryInterval: SSE_RETRY_MS,
    });
    this.#transport.onmessage = (m) => this.#deliver(m as JsonRpcMessage);
    this.#transport.onerror = (error) => this.#log.debug('transport', { error });
    this.#transport.onclose = () => void this.close('session ended');
    void this.#transport.start();
    child?.useLogger(this.#log);
    this.#child = child ?? new ChildProcess({ ...cfg.child, logger: this.#log });
    this.#peer = this.#child;
    this.#child.onmessage = (m, line) => this.#toClient(m, line);
    void this.#child.exited.then((exit) => this.#onChildExit(exit));
  }

  get pid(): number | undefined {
    return this.#child.pid;
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
  async handle(req: IncomingMessage, res: ServerResponse, parsedBody: unknown, extraHeaders: Record<string, string>, direct?: DirectPost): Promise<void> {
    this.lastActivity = this.#cfg.now();
    if (direct && this.#transport.sessionId !== undefined && !this.#closed) return this.#handleDirect(direct, req, res, extraHeaders);
    if (req.method === 'GET' && this.#resumeDirect(req, res, extraHeaders)) return;
    const response = await this.#transport.handleRequest(toBodylessRequest(req), parsedBody === undefined ? undefined : { parsedBody });
    if (req.method === 'GET' && response.status === 200) {
      this.#getOpen = true;
      res.once('close', () => {
        this.#getOpen = false;
        this.lastActivity = this.#cfg.now();
      });
      queueMicrotask(() => this.#flushQueue());
    }
    await writeWebResponse(response, res, extraHeaders);
  }

  /** A POST served without the SDK transport: 202 for a notification, else the request's own SSE stream. */
  #handleDirect(direct: DirectPost, req: IncomingMessage, res: ServerResponse, extraHeaders: Record<string, string>): void {
    if (direct.kind === 'notification') {
      this.#deliver(direct.message);
      res.writeHead(202, extraHeaders);
      res.end();
      return;
    }
    const headers = hasKeys(extraHeaders) ? sseHeaders(this.id, extraHeaders) : this.#plainSseHeaders;
    const version = req.headers['mcp-protocol-version'];
    this.#direct.open(direct.message.id, res, headers, sendsPrimingEvent(typeof version === 'string' ? version : undefined, TRANSPORT_PROTOCOL_VERSIONS));
    this.#deliver(direct.message);
  }

  /** A GET resuming a direct stream (`Last-Event-ID`): served here, the SDK knowing only its own streams. */
  #resumeDirect(req: IncomingMessage, res: ServerResponse, extraHeaders: Record<string, string>): boolean {
    const lastEventId = resumptionOf(req);
    const at = lastEventId === undefined || this.#transport.sessionId === undefined || this.#closed ? undefined : this.#events.streamOf(lastEventId);
    if (at?.directRequest === undefined) return false;
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
    this.#adapter?.fail(INTERNAL_ERROR, reason);
    this.#direct.closeAll();
    this.#closing = (async () => {
      // The transport writes a message once its event is stored (a microtask later): let the last ones out.
      await this.#lastSend;
      await this.#transport.close();
      const exit = await this.#child.stop();
      this.#log.info('session closed', { reason, exitCode: exit.code, signal: exit.signal });
      this.onclosed?.(this);
    })();
    return this.#closing;
  }

  /** A message from the client, whichever way it came (SDK transport or direct POST). */
  #deliver(message: JsonRpcMessage): void {
    this.#track(message);
    if (!this.#peer.send(message) && isRequest(message)) {
      this.#inflight.delete(message.id);
      this.#send(errorResponse(message.id, INTERNAL_ERROR, 'MCP server process is not running'));
    }
  }

  /** Client-side bookkeeping common to both modes: activity, in-flight requests and their timers. */
  #track(message: JsonRpcMessage): void {
    this.lastActivity = this.#cfg.now();
    if (isRequest(message)) {
      const id = message.id;
      if (message.method === 'initialize') this.#initialize = message;
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
   * `line`: the child's stdout line it was parsed from (relayed unchanged), which a direct stream writes as it is.
   */
  #toClient(message: JsonRpcMessage, line?: string): void {
    const route = this.#inflight.route(message);
    if (route.kind === 'related') {
      if (route.completes) {
        if (route.requestId === this.#initialize?.id && this.#onInitializeAnswer(message)) return;
        this.#inflight.delete(route.requestId);
      }
      else if (route.isProgress) this.#inflight.timerOf(route.requestId)?.refresh();
      this.#send(message, route.requestId, line);
    } else if (route.kind === 'standalone') {
      if (this.#getOpen) this.#send(message);
      else this.#enqueue(message);
    } else {
      this.#log.debug('message for a request no longer in flight dropped', { method: 'method' in message ? message.method : undefined });
    }
  }

  /** The answer to the client's `initialize`. True when it was consumed: the session became adapted. */
  #onInitializeAnswer(message: JsonRpcMessage): boolean {
    const request = this.#initialize!;
    this.#initialize = undefined;
    if (!this.#adapter && isModernOnlyRejection(message)) {
      this.#adapt(request);
      return true;
    }
    const version = (message as { result?: { protocolVersion?: unknown } }).result?.protocolVersion;
    if (typeof version === 'string') this.protocolVersion = version;
    return false;
  }

  /**
   * The child serves only 2026-07-28: put the era adapter between client and child and replay the
   * `initialize` to it (the still in-flight request is answered from the child's `server/discover`).
   */
  #adapt(initialize: JsonRpcRequest): void {
    this.#log.info('the MCP server speaks only 2026-07-28: this session goes through the era adapter');
    const adapter = new LegacyClientOnModernPeer({ peer: this.#child, legacyVersions: LEGACY_PROTOCOL_VERSIONS });
    adapter.onmessage = (m) => this.#toClient(m);
    this.#adapter = adapter;
    this.#peer = adapter;
    this.#child.onmessage = (m) => adapter.fromPeer(m);
    this.#initialize = initialize;
    adapter.send(initialize);
  }

  #send(message: JsonRpcMessage, relatedRequestId?: JsonRpcId, line?: string): void {
    // As in the SDK transport, a response belongs to the stream of the request it answers.
    const streamOf = isResponse(message) ? message.id : relatedRequestId;
    if (streamOf !== undefined && streamOf !== null && this.#direct.deliver(message, streamOf, line)) return;
    this.#lastSend = this.#transport
      .send(message as JSONRPCMessage, relatedRequestId === undefined ? undefined : { relatedRequestId })
      .catch((error: unknown) => this.#log.debug('could not deliver message to client', { error }));
  }

  #enqueue(message: JsonRpcMessage): void {
    this.#queue.push(message);
    if (this.#queue.length > this.#cfg.maxQueuedMessages) {
      this.#queue.shift();
      this.#log.warn('no GET stream open: oldest queued server message dropped', { max: this.#cfg.maxQueuedMessages });
    }
  }

  #flushQueue(): void {
    while (this.#getOpen && this.#queue.length > 0) this.#send(this.#queue.shift()!);
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
    this.#adapter?.fail(INTERNAL_ERROR, message);
    void this.close(message, 'crashed');
  }
}

function hasKeys(record: Record<string, string>): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return true;
  return false;
}
