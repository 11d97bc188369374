/**
 * The remote 2025-era session as a `Link` (the peer link of mcp-client's session routes): `send` takes
 * the messages of whoever is above it (the local client itself, or `ModernClientOnLegacyPeer`'s mux),
 * `onmessage` gives what the remote wrote, `onclose` fires once, with the error when the remote stayed
 * unreachable for the whole budget. Messages are forwarded as they came, matched by `id`; the link never
 * speaks MCP itself except to replay the handshake when the remote session has expired.
 *
 * Recovery, decided from `classifyRemoteFailure` alone:
 *   - 404/405 to the first POST with --transport auto → reconnect over legacy SSE and resend;
 *   - 404 for our session → new session, replay initialize + initialized, retry the message once;
 *   - unreachable → retry with backoff for a bounded time, then answer every request and close.
 *
 * The requests on this hop are tracked once, here: which channel generation accepted each (a session
 * that expires answers its own with an error), the replayed initialize (its answer is held back), and
 * the answered or cancelled (a late answer is dropped). A request this link cannot deliver is answered
 * through `onmessage` with a JSON-RPC error, as the remote would.
 */

import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import type { ClientError } from '../../shared/errors.js';
import { errorResponse, INTERNAL_ERROR, isNotification, isRequest, isResponse, SERVER_ERROR, type JsonRpcId, type JsonRpcMessage, type JsonRpcResponse } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import type { FetchLike } from '../../shared/fetch-like.js';
import type { Link } from '../../relay/link.js';
import type { RemoteChannel, TransportMode } from './remote-channel.js';
import { classifyRemoteFailure } from './remote-failure.js';
import { nextRetryDelay, realSleep, remoteGoneError, type RetryPolicy } from './retry-policy.js';
import { SessionChannels } from './session-channels.js';

export interface RemoteSessionOptions {
  url: URL;
  transport: TransportMode;
  fetch: FetchLike;
  retry: RetryPolicy;
  /** Bound on the replayed initialize, milliseconds. */
  requestTimeoutMs: number;
  logger: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** One request on this hop. */
interface Sent {
  method: string;
  /** Generation of the channel the request is being, or was last, handed to. */
  attemptOn?: number;
  /** Generation of the channel that accepted the request (its answer is awaited there). */
  sentOn?: number;
  /** Set for a request of our own (the replayed initialize): its answer is not the local client's. */
  own?: (response: JsonRpcResponse) => void;
}

type Attempt = { ok: true } | { ok: false; error: unknown; target?: RemoteChannel; duringSend: boolean; firstSend: boolean };

export class RemoteSession implements Link<ClientError | undefined> {
  onmessage?: (message: JsonRpcMessage) => void;
  onclose?: (gone: ClientError | undefined) => void;
  readonly #opts: RemoteSessionOptions;
  readonly #channels: SessionChannels;
  readonly #requests = new Map<JsonRpcId, Sent>();
  #everConnected = false;
  #outageStartedAt: number | undefined;
  #finished = false;
  /**
   * Order: a notification or response is accepted by the remote (202) before anything after it is
   * sent, so `notifications/initialized` can never overtake the first request. Requests do not hold up
   * what follows them: their answers may take arbitrarily long.
   */
  #accepted: Promise<void> = Promise.resolve();

  constructor(opts: RemoteSessionOptions) {
    this.#opts = opts;
    this.#channels = new SessionChannels({
      url: opts.url, mode: opts.transport, fetch: opts.fetch, logger: opts.logger, requestTimeoutMs: opts.requestTimeoutMs,
      onmessage: (message) => this.#fromRemote(message as JsonRpcMessage),
      expect: (id) => new Promise((resolve) => this.#requests.set(id, { method: 'initialize', own: resolve })),
      forget: (id) => void this.#requests.delete(id),
      onexpired: (generation) => this.#expired(generation),
    });
  }

  /** Takes one message for the remote; false once the link has ended. */
  send(message: JsonRpcMessage): boolean {
    if (this.#finished) return false;
    if (isRequest(message)) {
      if (message.method === 'initialize') this.#channels.recordInitialize(message);
      this.#requests.set(message.id, { method: message.method });
    } else if (isNotification(message) && message.method === 'notifications/initialized') {
      this.#channels.recordInitialized(message);
    } else if (isNotification(message) && message.method === 'notifications/cancelled') {
      const requestId = message.params?.requestId;
      if (typeof requestId === 'string' || typeof requestId === 'number') this.#requests.delete(requestId);
    }
    const run = this.#accepted.then(() => this.#deliver(message)).catch((error: unknown) => this.#opts.logger.error('relay failure', { error }));
    if (!isRequest(message)) this.#accepted = run;
    return true;
  }

  /** Deletes the remote session (HTTP DELETE) when there is one, then ends; resolves whether a DELETE succeeded. */
  async close(): Promise<boolean> {
    if (this.#finished) return false;
    this.#finished = true;
    const deleted = await this.#channels.terminate();
    this.onclose?.(undefined);
    return deleted;
  }

  #fromRemote(message: JsonRpcMessage): void {
    if (isResponse(message)) {
      const sent = message.id === null ? undefined : this.#requests.get(message.id);
      if (!sent) return this.#opts.logger.debug('dropping a response for an unknown or already-answered request', { id: message.id });
      this.#requests.delete(message.id!);
      if (sent.own) return sent.own(message); // the answer to our replayed initialize: the local client already has its own
      if (sent.method === 'initialize' && 'result' in message) {
        this.#channels.adoptInitializeResult(message.result);
        this.#everConnected = true;
      }
    }
    this.onmessage?.(message);
  }

  /** Answers a request of this hop with an error, as the remote would (once: it is forgotten). */
  #answer(id: JsonRpcId, code: number, message: string): void {
    if (!this.#requests.delete(id)) return;
    this.onmessage?.(errorResponse(id, code, message));
  }

  #expired(generation: number): void {
    for (const [id, sent] of [...this.#requests]) {
      if (sent.sentOn !== undefined && sent.sentOn < generation + 1) this.#answer(id, SERVER_ERROR, 'mcp-client: the remote session expired while this request was in flight; please retry');
    }
  }

  /** The remote is gone for good: every request is answered, the channels close, then `onclose(error)`. */
  #gone(error: ClientError): void {
    if (this.#finished) return;
    this.#finished = true;
    for (const [id, sent] of [...this.#requests]) {
      if (sent.own) {
        this.#requests.delete(id);
        sent.own(errorResponse(id, SERVER_ERROR, error.message));
      } else this.#answer(id, SERVER_ERROR, `mcp-client: ${error.message}`);
    }
    void this.#channels.close().then(() => this.onclose?.(error));
  }

  #streamEnded(id: JsonRpcId, generation: number): void {
    if (this.#finished || this.#channels.current?.generation !== generation) return;
    if (this.#requests.get(id)?.attemptOn === generation) this.#answer(id, SERVER_ERROR, 'mcp-client: the remote closed the response stream before answering');
  }

  /** One try at handing `message` to the remote. */
  async #attempt(message: JsonRpcMessage): Promise<Attempt> {
    let target: RemoteChannel;
    try {
      target = await this.#channels.ensure();
    } catch (error) {
      return { ok: false, error, duringSend: false, firstSend: true };
    }
    const generation = target.generation;
    const firstSend = target.sentCount === 0;
    try {
      if (isRequest(message)) {
        const sent = this.#requests.get(message.id);
        if (sent) sent.attemptOn = generation;
        await target.send(message as JSONRPCMessage, () => this.#streamEnded(message.id, generation));
        const accepted = this.#requests.get(message.id);
        if (accepted) accepted.sentOn = generation;
      } else {
        await target.send(message as JSONRPCMessage);
      }
      return { ok: true };
    } catch (error) {
      return { ok: false, error, target, duringSend: true, firstSend };
    }
  }

  async #deliver(message: JsonRpcMessage): Promise<void> {
    const { logger: log, retry } = this.#opts;
    const now = this.#opts.now ?? Date.now;
    const sleep = this.#opts.sleep ?? realSleep;
    const isReq = isRequest(message);
    const method = isReq || isNotification(message) ? message.method : undefined;
    let retriedAfterExpiry = false;
    let retries = 0;
    for (;;) {
      if (this.#finished) return;
      const result = await this.#attempt(message);
      if (this.#finished) return;
      if (result.ok) {
        if (this.#outageStartedAt !== undefined) log.info('remote reachable again');
        this.#outageStartedAt = undefined;
        return;
      }
      const { target } = result;
      const failure = classifyRemoteFailure(result.error, {
        hasSession: result.duringSend && target !== undefined && target.hasSession(),
        firstRequest: result.firstSend && !this.#everConnected,
      });
      if (failure.kind === 'not-streamable-http' && this.#opts.transport === 'auto' && target?.kind === 'http') {
        await this.#channels.fallBackToSse(target, failure.status);
        continue;
      }
      const replayable = this.#channels.hasHandshake && method !== undefined && method !== 'initialize' && method !== 'notifications/initialized';
      if (failure.kind === 'session-expired' && target && replayable && !retriedAfterExpiry) {
        retriedAfterExpiry = true;
        log.info('remote session expired; re-initializing and retrying', { method });
        this.#channels.expire(target.generation);
        continue;
      }
      if (failure.kind === 'unreachable') {
        this.#outageStartedAt ??= now();
        const delay = nextRetryDelay(this.#outageStartedAt, now(), retries, retry);
        if (delay === undefined) return this.#gone(remoteGoneError(this.#opts.url, retry, failure.error));
        if (retries === 0) log.warn(`${failure.error.message}; retrying for up to ${Math.round(retry.budgetMs / 1000)}s`);
        retries += 1;
        await sleep(delay);
        continue;
      }
      log.warn('could not relay a message to the remote', { error: failure.error.message, method });
      if (isReq) this.#answer(message.id, INTERNAL_ERROR, `mcp-client: ${failure.error.message}`);
      return;
    }
  }
}
