import type { ServerResponse } from 'node:http';
import { ToolFilterStage, type ToolFilterRules } from '../../relay/tool-filter.js';
import { InflightTable, progressTokenOf } from '../../relay/routing.js';
import { errorResponse, INTERNAL_ERROR, isNotification, isRequest, REQUEST_TIMEOUT, type JsonRpcId, type JsonRpcMessage } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import type { ChildExit } from '../child/child-process.js';
import { describeExit, exitErrorData } from '../child/child-exit.js';
import type { SessionPeer } from '../sessions/session-peer.js';
import type { SessionCloseCause } from '../sessions/session-table.js';

export interface LegacySseSessionConfig {
  /** The server command, for the line that says how a child ended. */
  command: string;
  requestTimeoutMs: number;
  /** `: keepalive` comments on the stream every this long; 0 disables. */
  keepAliveMs: number;
  /** --allow-tools / --deny-tools, as for Streamable HTTP sessions. */
  toolFilter?: ToolFilterRules;
  logger: Logger;
  now: () => number;
}

/** The SSE headers of the stream (after CORS), as the Streamable HTTP streams send them. */
export function legacySseHeaders(extra: Record<string, string>): Record<string, string> {
  return { ...extra, 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' };
}

/** The first event of the stream: where the client POSTs its messages (2024-11-05 transports § HTTP with SSE). */
export function endpointEvent(messagesPath: string, sessionId: string): string {
  return `event: endpoint\ndata: ${messagesPath}?sessionId=${encodeURIComponent(sessionId)}\n\n`;
}

export function messageEvent(message: JsonRpcMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

/**
 * One legacy HTTP+SSE session (a 2024-11-05 client): the SSE connection is the edge, every message of
 * the peer goes out on it as a `message` event, and the client's POSTs come in through `deliver`. One
 * child per connection; the connection closing ends the session and the child's tree.
 *
 * As in a 2025 session, requests in flight are tracked (InflightTable) for `--request-timeout` and
 * for the reaper. The peer comes through the sessions' `AcquirePeer` seam (sessions/session-peer.ts):
 * its own child (behind the era translator for a modern-only child), or with `--isolation principal`
 * its share of the principal's child.
 */
export class LegacySseSession {
  readonly id: string;
  readonly principal: string | undefined;
  lastActivity: number;
  closeCause: SessionCloseCause | undefined;
  onclosed?: (session: LegacySseSession) => void;
  readonly #cfg: LegacySseSessionConfig;
  readonly #log: Logger;
  readonly #res: ServerResponse;
  readonly #peer: SessionPeer;
  readonly #tools: ToolFilterStage | undefined;
  readonly #inflight = new InflightTable();
  #keepAlive: NodeJS.Timeout | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(id: string, principal: string | undefined, res: ServerResponse, peer: SessionPeer, cfg: LegacySseSessionConfig) {
    this.id = id;
    this.principal = principal;
    this.#res = res;
    this.#cfg = cfg;
    this.#log = cfg.logger;
    this.lastActivity = cfg.now();
    this.#tools = cfg.toolFilter ? new ToolFilterStage(cfg.toolFilter) : undefined;
    this.#peer = peer;
    peer.onmessage = (m) => this.#toClient(this.#tools ? this.#tools.toClient(m) : m);
    void peer.ended.then((exit) => this.#onChildExit(exit));
  }

  get pid(): number | undefined {
    return this.#peer.pid;
  }

  /** A client request awaits its answer: never idle. */
  get busy(): boolean {
    return this.#inflight.size > 0;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Opens the stream: the headers, then the `endpoint` event naming `messagesPath`. */
  open(messagesPath: string, extraHeaders: Record<string, string>): void {
    this.#res.writeHead(200, legacySseHeaders(extraHeaders));
    this.#res.write(endpointEvent(messagesPath, this.id));
    this.#res.once('close', () => void this.close('the SSE connection closed'));
    if (this.#cfg.keepAliveMs > 0) {
      this.#keepAlive = setInterval(() => this.#write(': keepalive\n\n'), this.#cfg.keepAliveMs);
      this.#keepAlive.unref();
    }
  }

  /** A message the client POSTed. */
  deliver(message: JsonRpcMessage): void {
    this.lastActivity = this.#cfg.now();
    if (isRequest(message)) {
      const id = message.id;
      this.#inflight.add(id, progressTokenOf(message), setTimeout(() => this.#onTimeout(id), this.#cfg.requestTimeoutMs));
    } else if (isNotification(message) && message.method === 'notifications/cancelled') {
      const requestId = message.params?.requestId;
      if (typeof requestId === 'string' || typeof requestId === 'number') this.#inflight.delete(requestId);
    }
    // A hidden tool's call (--deny-tools) is answered here and never reaches the server.
    const hidden = this.#tools?.fromClient(message);
    if (hidden) return queueMicrotask(() => this.#toClient(hidden));
    if (!this.#peer.send(message) && isRequest(message)) {
      this.#inflight.delete(message.id);
      this.#write(messageEvent(errorResponse(message.id, INTERNAL_ERROR, 'MCP server process is not running')));
    }
  }

  /** Ends the session: requests in flight get `reason` as an error (when the stream is still open), then the child's tree ends. */
  close(reason: string, cause: SessionCloseCause = 'deleted'): Promise<void> {
    if (this.#closed) return this.#closing ?? Promise.resolve();
    this.#closed = true;
    this.closeCause = cause;
    clearInterval(this.#keepAlive);
    this.#failInflight(INTERNAL_ERROR, reason);
    this.#peer.fail(INTERNAL_ERROR, reason);
    if (!this.#res.writableEnded) this.#res.end();
    this.#closing = (async () => {
      const exit = await this.#peer.close();
      this.#log.info('session closed', { reason, ...(exit ? { exitCode: exit.code, signal: exit.signal } : { sharedChild: true }) });
      this.onclosed?.(this);
    })();
    return this.#closing;
  }

  /** A message for the client, from the child or (adapted) from the translator. */
  #toClient(message: JsonRpcMessage): void {
    const route = this.#inflight.route(message);
    if (route.kind === 'stale') {
      this.#log.debug('message for a request no longer in flight dropped', { method: 'method' in message ? message.method : undefined });
      return;
    }
    if (route.kind === 'related') {
      if (route.completes) {
        this.#inflight.delete(route.requestId);
      } else if (route.isProgress) {
        this.#inflight.timerOf(route.requestId)?.refresh();
      }
    }
    this.#write(messageEvent(message));
  }

  #write(frame: string): void {
    if (!this.#res.writableEnded && !this.#res.destroyed) this.#res.write(frame);
  }

  #onTimeout(id: JsonRpcId): void {
    if (!this.#inflight.delete(id)) return;
    const seconds = this.#cfg.requestTimeoutMs / 1000;
    this.#log.warn('request timed out', { requestId: id, seconds });
    this.#write(messageEvent(errorResponse(id, REQUEST_TIMEOUT, `Request timed out: the MCP server did not answer within ${seconds}s`)));
    this.#peer.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: `timed out after ${seconds}s` } });
  }

  #failInflight(code: number, message: string, data?: unknown): void {
    for (const id of this.#inflight.ids()) {
      this.#inflight.delete(id);
      this.#write(messageEvent(errorResponse(id, code, message, data)));
    }
  }

  #onChildExit(exit: ChildExit): void {
    if (this.#closed) return;
    const message = describeExit(this.#cfg.command, exit);
    this.#log.warn(message, { exitCode: exit.code, signal: exit.signal });
    this.#failInflight(INTERNAL_ERROR, message, exitErrorData(exit));
    this.#peer.fail(INTERNAL_ERROR, message);
    void this.close(message, 'crashed');
  }
}
