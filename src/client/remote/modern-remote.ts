/**
 * The remote as a 2026-07-28 (stateless) server, as a `Link` (the peer link of the stateless routes):
 * every request `send` takes is its own POST through the SDK's `StreamableHTTPClientTransport`, which
 * derives `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` from the request's envelope, and delivers
 * the JSON or SSE answer (plus related progress and log notifications) through `onmessage`. There is no
 * session, no handshake and no GET stream.
 *
 * `notifications/cancelled` aborts the POST of the request it names: in the stateless revision closing
 * the request's stream is the cancellation signal. Other notifications are posted as they are; a
 * response is dropped (2026-07-28 servers ask through `input_required` results). A request that cannot
 * be delivered gets a JSON-RPC error response of its own; an unreachable remote is retried with backoff
 * for the outage budget, then every request is answered and `onclose` fires once with the error.
 *
 * The link keeps one entry per open POST stream (what cancelling aborts); it is the request's only
 * record on a pass-through route, and below `LegacyClientOnModernPeer` it holds the stream, not the call.
 */

import { StreamableHTTPClientTransport, type JSONRPCMessage } from '@modelcontextprotocol/client';
import type { ClientError } from '../../shared/errors.js';
import { errorResponse, INTERNAL_ERROR, isNotification, isRequest, isResponse, SERVER_ERROR, type JsonRpcId, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import type { FetchLike } from '../../shared/fetch-like.js';
import type { Link } from '../../relay/link.js';
import { jsonRpcErrorAnswer } from '../http/http-error-body.js';
import { classifyRemoteFailure } from './remote-failure.js';
import { nextRetryDelay, realSleep, remoteGoneError, type RetryPolicy } from './retry-policy.js';

export interface ModernRemoteOptions {
  url: URL;
  fetch: FetchLike;
  logger: Logger;
  retry: RetryPolicy;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** One request's open POST stream. */
interface Stream {
  id: JsonRpcId;
  abort: AbortController;
}

export class ModernRemote implements Link<ClientError | undefined> {
  /** Every message the remote sends back, and the error responses this link makes for failed requests. */
  onmessage?: (message: JsonRpcMessage) => void;
  /** Once: with the error when the remote stayed unreachable for the whole budget, else after `close()`. */
  onclose?: (gone: ClientError | undefined) => void;
  readonly #opts: ModernRemoteOptions;
  readonly #transport: StreamableHTTPClientTransport;
  readonly #streams = new Map<JsonRpcId, Stream>();
  #outageStartedAt: number | undefined;
  #closed = false;
  #gone = false;

  constructor(opts: ModernRemoteOptions) {
    this.#opts = opts;
    this.#transport = new StreamableHTTPClientTransport(opts.url, { fetch: opts.fetch });
    this.#transport.onmessage = (m) => this.#fromRemote(m as JsonRpcMessage);
    this.#transport.onerror = (error) => opts.logger.debug('remote transport error', { error: error.message });
  }

  async start(): Promise<void> {
    await this.#transport.start();
  }

  /** Takes one message for the remote; false once the link is closed (a request is answered with an error instead). */
  send(message: JsonRpcMessage): boolean {
    if (this.#closed) {
      if (!isRequest(message)) return false;
      this.#fail(message.id, 'the bridge is shutting down');
      return true;
    }
    if (isRequest(message)) this.#request(message);
    else if (isNotification(message) && message.method === 'notifications/cancelled') {
      const id = message.params?.requestId;
      if (typeof id === 'string' || typeof id === 'number') this.#cancel(id);
    } else if (isNotification(message)) this.#notify(message);
    else this.#opts.logger.debug('dropping a response: 2026-07-28 servers ask through input_required results');
    return true;
  }

  #request(message: JsonRpcRequest): void {
    this.#streams.get(message.id)?.abort.abort();
    const entry: Stream = { id: message.id, abort: new AbortController() };
    this.#streams.set(message.id, entry);
    void this.#deliver(message, entry);
  }

  /** Ends a request the caller no longer wants: its POST is aborted. */
  #cancel(id: JsonRpcId): void {
    const entry = this.#streams.get(id);
    if (!entry) return;
    this.#streams.delete(id);
    entry.abort.abort();
  }

  /** A client notification other than a cancellation: posted as is (a stateless server acknowledges it). */
  #notify(message: JsonRpcNotification): void {
    this.#transport.send(message as JSONRPCMessage).catch((error: unknown) => this.#opts.logger.debug('could not relay a notification', { method: message.method, error }));
  }

  /** Aborts everything in flight and ends the link. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const entry of this.#streams.values()) entry.abort.abort();
    this.#streams.clear();
    await this.#transport.close().catch(() => undefined);
    if (!this.#gone) this.onclose?.(undefined); // a gone remote has had its onclose
  }

  #fromRemote(message: JsonRpcMessage): void {
    if (isResponse(message) && message.id !== null) {
      const entry = this.#streams.get(message.id);
      if (!entry) return; // cancelled, or not ours
      this.#streams.delete(message.id);
    }
    this.onmessage?.(message);
  }

  #fail(id: JsonRpcId, why: string, code = INTERNAL_ERROR): void {
    this.onmessage?.(errorResponse(id, code, `mcp-client: ${why}`));
  }

  #stillWanted(entry: Stream): boolean {
    return !this.#closed && this.#streams.get(entry.id) === entry;
  }

  async #deliver(message: JsonRpcRequest, entry: Stream): Promise<void> {
    const sleep = this.#opts.sleep ?? realSleep;
    const now = this.#opts.now ?? Date.now;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.#transport.send(message as JSONRPCMessage, {
          requestSignal: entry.abort.signal,
          onRequestStreamEnd: () => {
            if (!this.#stillWanted(entry)) return;
            this.#streams.delete(entry.id);
            this.#fail(entry.id, 'the remote closed the response stream before answering', SERVER_ERROR);
          },
        });
        if (this.#outageStartedAt !== undefined) this.#opts.logger.info('remote reachable again');
        this.#outageStartedAt = undefined;
        return;
      } catch (error) {
        if (!this.#stillWanted(entry)) return;
        const answer = jsonRpcErrorAnswer(error, entry.id);
        if (answer) {
          this.#streams.delete(entry.id);
          return this.onmessage?.(answer);
        }
        const failure = classifyRemoteFailure(error, { hasSession: false, firstRequest: false });
        if (failure.kind !== 'unreachable') {
          this.#streams.delete(entry.id);
          return this.#fail(entry.id, failure.error.message);
        }
        this.#outageStartedAt ??= now();
        const delay = nextRetryDelay(this.#outageStartedAt, now(), attempt, this.#opts.retry);
        if (delay === undefined) return this.#giveUp(failure.error);
        if (attempt === 0) this.#opts.logger.warn(`${failure.error.message}; retrying for up to ${Math.round(this.#opts.retry.budgetMs / 1000)}s`);
        await sleep(delay);
        if (!this.#stillWanted(entry)) return;
      }
    }
  }

  #giveUp(cause: ClientError): void {
    if (this.#gone) return;
    this.#gone = true;
    const error = remoteGoneError(this.#opts.url, this.#opts.retry, cause);
    for (const entry of [...this.#streams.values()]) {
      this.#streams.delete(entry.id);
      entry.abort.abort();
      this.#fail(entry.id, error.message, SERVER_ERROR);
    }
    this.onclose?.(error);
  }
}
