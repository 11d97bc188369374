import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebStandardStreamableHTTPServerTransport, type JSONRPCMessage } from '@modelcontextprotocol/server';
import { errorResponse, INTERNAL_ERROR, isNotification, isRequest, REQUEST_TIMEOUT, type JsonRpcId, type JsonRpcMessage } from '../shared/jsonrpc.js';
import type { Logger } from '../shared/logger.js';
import { ChildProcess, type ChildExit, type ChildOptions } from './child-process.js';
import { describeExit, exitErrorData } from './child-exit.js';
import { InflightTable, progressTokenOf } from './inflight.js';
import { toBodylessRequest, writeWebResponse } from './web-bridge.js';

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
 * One 2025-era MCP session: one SDK Streamable HTTP server transport toward the client and one child
 * process, with a transparent JSON-RPC relay between them.
 */
export class Session {
  readonly id: string;
  readonly principal: string | undefined;
  lastActivity: number;
  onclosed?: (session: Session) => void;
  readonly #cfg: SessionConfig;
  readonly #log: Logger;
  readonly #transport: WebStandardStreamableHTTPServerTransport;
  readonly #child: ChildProcess;
  readonly #inflight = new InflightTable();
  readonly #queue: JsonRpcMessage[] = [];
  #getOpen = false;
  #initializeId: JsonRpcId | undefined;
  /** The protocol version the child agreed to in its initialize result. */
  protocolVersion: string | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(id: string, principal: string | undefined, cfg: SessionConfig) {
    this.id = id;
    this.principal = principal;
    this.#cfg = cfg;
    this.lastActivity = cfg.now();
    this.#log = cfg.logger.child({ session: id.slice(0, 8) });
    this.#transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      maxRequestBodySize: cfg.maxBodyBytes,
    });
    this.#transport.onmessage = (m) => this.#fromClient(m as JsonRpcMessage);
    this.#transport.onerror = (error) => this.#log.debug('transport', { error });
    this.#transport.onclose = () => void this.close('session ended');
    void this.#transport.start();
    this.#child = new ChildProcess({ ...cfg.child, logger: this.#log });
    this.#child.onmessage = (m) => this.#fromChild(m);
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

  async handle(req: IncomingMessage, res: ServerResponse, parsedBody: unknown, extraHeaders: Record<string, string>): Promise<void> {
    this.lastActivity = this.#cfg.now();
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

  /** Ends the session: pending client requests get `reason` as an error, then the child's tree is ended. */
  close(reason: string): Promise<void> {
    if (this.#closed) return this.#closing ?? Promise.resolve();
    this.#closed = true;
    this.#failInflight(INTERNAL_ERROR, reason);
    this.#closing = (async () => {
      await this.#transport.close();
      const exit = await this.#child.stop();
      this.#log.debug('session closed', { reason, exitCode: exit.code, signal: exit.signal });
      this.onclosed?.(this);
    })();
    return this.#closing;
  }

  #fromClient(message: JsonRpcMessage): void {
    this.lastActivity = this.#cfg.now();
    if (isRequest(message)) {
      const id = message.id;
      if (message.method === 'initialize') this.#initializeId = id;
      const timer = setTimeout(() => this.#onTimeout(id), this.#cfg.requestTimeoutMs);
      this.#inflight.add(id, progressTokenOf(message), timer);
    } else if (isNotification(message) && message.method === 'notifications/cancelled') {
      const requestId = message.params?.requestId;
      if (typeof requestId === 'string' || typeof requestId === 'number') this.#inflight.delete(requestId);
    }
    if (!this.#child.send(message) && isRequest(message)) {
      this.#inflight.delete(message.id);
      this.#send(errorResponse(message.id, INTERNAL_ERROR, 'MCP server process is not running'));
    }
  }

  #fromChild(message: JsonRpcMessage): void {
    const route = this.#inflight.route(message);
    if (route.kind === 'related') {
      if (route.completes) {
        this.#inflight.delete(route.requestId);
        if (route.requestId === this.#initializeId) this.#noteInitialized(message);
      }
      else if (route.isProgress) this.#inflight.timerOf(route.requestId)?.refresh();
      this.#send(message, route.requestId);
    } else if (route.kind === 'standalone') {
      if (this.#getOpen) this.#send(message);
      else this.#enqueue(message);
    } else {
      this.#log.debug('message for a request no longer in flight dropped', { method: 'method' in message ? message.method : undefined });
    }
  }

  #noteInitialized(message: JsonRpcMessage): void {
    this.#initializeId = undefined;
    const version = (message as { result?: { protocolVersion?: unknown } }).result?.protocolVersion;
    if (typeof version === 'string') this.protocolVersion = version;
  }

  #send(message: JsonRpcMessage, relatedRequestId?: JsonRpcId): void {
    this.#transport
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
    this.#child.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: `timed out after ${seconds}s` } });
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
    void this.close(message);
  }
}
