/**
 * The remote as a 2026-07-28 (stateless) server: every request is its own POST through the SDK's
 * `StreamableHTTPClientTransport`, which derives `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name`
 * from the request's envelope, and delivers the JSON or SSE answer (plus related progress and log
 * notifications) through `onmessage`. There is no session, no handshake and no GET stream.
 *
 * Cancelling a request aborts its POST: in the stateless revision closing the request's stream is the
 * cancellation signal. A request that cannot be delivered gets a JSON-RPC error response of its own; an
 * unreachable remote is retried with backoff for the outage budget, then `ongone` fires once.
 */

import { StreamableHTTPClientTransport, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { ClientError } from '../../shared/errors.js';
import { errorResponse, INTERNAL_ERROR, isResponse, SERVER_ERROR, type JsonRpcId, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import type { FetchLike } from '../../shared/fetch-like.js';
import { jsonRpcErrorAnswer } from '../http/http-error-body.js';
import { classifyRemoteFailure } from './remote-failure.js';
import { idKey } from '../routes/pending-requests.js';
import { nextRetryDelay, realSleep, remoteGoneError, type RetryPolicy } from './retry-policy.js';

export interface ModernRemoteOptions {
  url: URL;
  fetch: FetchLike;
  logger: Logger;
  retry: RetryPolicy;
  /** Every message the remote sends back, and the error responses this class makes for failed requests. */
  onmessage(message: JsonRpcMessage): void;
  /** The remote stayed unreachable for the whole budget. */
  ongone(error: ClientError): void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Inflight {
  id: JsonRpcId;
  abort: AbortController;
}


export class ModernRemote {
  readonly #opts: ModernRemoteOptions;
  readonly #transport: StreamableHTTPClientTransport;
  readonly #inflight = new Map<string, Inflight>();
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

  /** Requests awaiting their answer. */
  get inflight(): number {
    return this.#inflight.size;
  }

  /** Sends one request; its answer (or an error response made here) arrives through `onmessage`. */
  request(message: JsonRpcRequest): void {
    if (this.#closed) return this.#fail(message.id, 'the bridge is shutting down');
    const key = idKey(message.id);
    this.#inflight.get(key)?.abort.abort();
    const entry: Inflight = { id: message.id, abort: new AbortController() };
    this.#inflight.set(key, entry);
    void this.#deliver(message, entry);
  }

  /** Ends a request the local side no longer wants; true when it was in flight. */
  cancel(id: JsonRpcId): boolean {
    const entry = this.#inflight.get(idKey(id));
    if (!entry) return false;
    this.#inflight.delete(idKey(id));
    entry.abort.abort();
    return true;
  }

  /** A client notification other than a cancellation: posted as is (a stateless server acknowledges it). */
  notify(message: JsonRpcNotification): void {
    if (this.#closed) return;
    this.#transport.send(message as JSONRPCMessage).catch((error: unknown) => this.#opts.logger.debug('could not relay a notification', { method: message.method, error }));
  }

  /** Aborts everything in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of this.#inflight.values()) entry.abort.abort();
    this.#inflight.clear();
    await this.#transport.close().catch(() => undefined);
  }

  #fromRemote(message: JsonRpcMessage): void {
    if (isResponse(message) && message.id !== null) {
      const entry = this.#inflight.get(idKey(message.id));
      if (!entry) return; // cancelled, or not ours
      this.#inflight.delete(idKey(message.id));
    }
    this.#opts.onmessage(message);
  }

  #fail(id: JsonRpcId, why: string, code = INTERNAL_ERROR): void {
    this.#opts.onmessage(errorResponse(id, code, `mcp-client: ${why}`));
  }

  #stillWanted(entry: Inflight): boolean {
    return !this.#closed && this.#inflight.get(idKey(entry.id)) === entry;
  }

  async #deliver(message: JsonRpcRequest, entry: Inflight): Promise<void> {
    const sleep = this.#opts.sleep ?? realSleep;
    const now = this.#opts.now ?? Date.now;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.#transport.send(message as JSONRPCMessage, {
          requestSignal: entry.abort.signal,
          onRequestStreamEnd: () => {
            if (!this.#stillWanted(entry)) return;
            this.#inflight.delete(idKey(entry.id));
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
          this.#inflight.delete(idKey(entry.id));
          return this.#opts.onmessage(answer);
        }
        const failure = classifyRemoteFailure(error, { hasSession: false, firstRequest: false });
        if (failure.kind !== 'unreachable') {
          this.#inflight.delete(idKey(entry.id));
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
    for (const entry of [...this.#inflight.values()]) {
      this.#inflight.delete(idKey(entry.id));
      entry.abort.abort();
      this.#fail(entry.id, error.message, SERVER_ERROR);
    }
    this.#opts.ongone(error);
  }
}
