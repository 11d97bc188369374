/**
 * The stdio bridge: a transparent JSON-RPC relay between a local MCP client (our stdin/stdout) and a
 * remote server. Every message is forwarded as it came, matched by `id`; the bridge never speaks MCP
 * itself except to replay the local client's own handshake when the remote session has expired
 * (see remote-session.ts).
 *
 * Recovery, decided from `classifyRemoteFailure` alone:
 *   - 404/405 to the first POST with --transport auto → reconnect over legacy SSE and resend;
 *   - 404 for our session → new session, replay initialize + initialized, retry the message once;
 *   - unreachable → retry with backoff for a bounded time, then fail every pending request and stop.
 */

import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { ClientError } from '../../shared/errors.js';
import { errorResponse, INTERNAL_ERROR, isNotification, isRequest, isResponse, SERVER_ERROR, type JsonRpcId } from '../../shared/jsonrpc.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import type { FetchLike } from '../../shared/fetch-like.js';
import { PendingRequests } from './pending-requests.js';
import type { RemoteChannel, TransportMode } from '../remote/remote-channel.js';
import { classifyRemoteFailure } from '../remote/remote-failure.js';
import { RemoteSession } from '../remote/remote-session.js';
import { nextRetryDelay, realSleep, remoteGoneError, type RetryPolicy } from '../remote/retry-policy.js';

/** The local side: in production a `StdioServerTransport` over stdin/stdout. */
export interface LocalTransport {
  start(): Promise<void>;
  send(message: JSONRPCMessage): Promise<void>;
  close(): Promise<void>;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
}

export interface BridgeOptions {
  url: URL;
  transport: TransportMode;
  fetch: FetchLike;
  local: LocalTransport;
  retry: RetryPolicy;
  /** Bound on the replayed initialize, milliseconds. */
  requestTimeoutMs: number;
  logger?: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface BridgeExit {
  reason: 'local-closed';
  sessionDeleted: boolean;
}

type Attempt = { ok: true } | { ok: false; error: unknown; target?: RemoteChannel; duringSend: boolean; firstSend: boolean };

/** Runs until the local client closes stdin (resolves) or the remote is gone for good (rejects REMOTE_GONE). */
export function runBridge(options: BridgeOptions): Promise<BridgeExit> {
  const log = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const { local } = options;
  const pending = new PendingRequests();
  let everConnected = false;
  let outageStartedAt: number | undefined;
  let finished = false;

  let settle!: { resolve: (exit: BridgeExit) => void; reject: (error: ClientError) => void };
  const done = new Promise<BridgeExit>((resolve, reject) => (settle = { resolve, reject }));

  const toLocal = (message: JSONRPCMessage): void => {
    local.send(message).catch((error: unknown) => log.debug('could not write to the local client', { error }));
  };
  const replyError = (id: JsonRpcId, code: number, message: string): void => {
    toLocal(errorResponse(id, code, message) as JSONRPCMessage);
  };

  const remote = new RemoteSession({
    url: options.url,
    mode: options.transport,
    fetch: options.fetch,
    logger: log,
    requestTimeoutMs: options.requestTimeoutMs,
    onmessage: (message) => {
      if (isResponse(message)) {
        const entry = message.id === null ? undefined : pending.take(message.id);
        if (!entry) {
          log.debug('dropping a response for an unknown or already-answered request', { id: message.id });
          return;
        }
        if (entry.method === 'initialize' && 'result' in message) {
          remote.adoptInitializeResult(message.result);
          everConnected = true;
        }
      }
      toLocal(message);
    },
    onexpired: (generation) => {
      for (const lost of pending.takeSentBefore(generation + 1)) {
        replyError(lost.id, SERVER_ERROR, 'mcp-client: the remote session expired while this request was in flight; please retry');
      }
    },
  });

  const fail = (error: ClientError): void => {
    if (finished) return;
    finished = true;
    for (const entry of pending.takeAll()) replyError(entry.id, SERVER_ERROR, `mcp-client: ${error.message}`);
    void (async () => {
      await remote.close();
      await local.close().catch(() => undefined);
      settle.reject(error);
    })();
  };

  const streamEnded = (id: JsonRpcId, generation: number): void => {
    if (finished || remote.current?.generation !== generation) return;
    const entry = pending.get(id);
    if (entry && entry.attemptOn === generation) {
      pending.take(id);
      replyError(id, SERVER_ERROR, 'mcp-client: the remote closed the response stream before answering');
    }
  };

  /** One try at handing `message` to the remote. */
  const attempt = async (message: JSONRPCMessage): Promise<Attempt> => {
    let target: RemoteChannel;
    try {
      target = await remote.ensure();
    } catch (error) {
      return { ok: false, error, duringSend: false, firstSend: true };
    }
    const generation = target.generation;
    const firstSend = target.sentCount === 0;
    try {
      if (isRequest(message)) {
        pending.markAttempt(message.id, generation);
        await target.send(message, () => streamEnded(message.id, generation));
        pending.markSent(message.id, generation);
      } else {
        await target.send(message);
      }
      return { ok: true };
    } catch (error) {
      return { ok: false, error, target, duringSend: true, firstSend };
    }
  };

  const deliver = async (message: JSONRPCMessage): Promise<void> => {
    const isReq = isRequest(message);
    const method = isReq || isNotification(message) ? message.method : undefined;
    let retriedAfterExpiry = false;
    let retries = 0;
    for (;;) {
      if (finished) return;
      const result = await attempt(message);
      if (finished) return;
      if (result.ok) {
        if (outageStartedAt !== undefined) log.info('remote reachable again');
        outageStartedAt = undefined;
        return;
      }
      const { target } = result;
      const failure = classifyRemoteFailure(result.error, {
        hasSession: result.duringSend && target !== undefined && target.hasSession(),
        firstRequest: result.firstSend && !everConnected,
      });
      if (failure.kind === 'not-streamable-http' && options.transport === 'auto' && target?.kind === 'http') {
        await remote.fallBackToSse(target, failure.status);
        continue;
      }
      const replayable = remote.hasHandshake && method !== undefined && method !== 'initialize' && method !== 'notifications/initialized';
      if (failure.kind === 'session-expired' && target && replayable && !retriedAfterExpiry) {
        retriedAfterExpiry = true;
        log.info('remote session expired; re-initializing and retrying', { method });
        remote.expire(target.generation);
        continue;
      }
      if (failure.kind === 'unreachable') {
        outageStartedAt ??= now();
        const delay = nextRetryDelay(outageStartedAt, now(), retries, options.retry);
        const seconds = Math.round(options.retry.budgetMs / 1000);
        if (delay === undefined) {
          fail(remoteGoneError(options.url, options.retry, failure.error));
          return;
        }
        if (retries === 0) log.warn(`${failure.error.message}; retrying for up to ${seconds}s`);
        retries += 1;
        await sleep(delay);
        continue;
      }
      log.warn('could not relay a message to the remote', { error: failure.error.message, method });
      if (isReq && pending.take(message.id)) replyError(message.id, INTERNAL_ERROR, `mcp-client: ${failure.error.message}`);
      return;
    }
  };

  // Order: a notification or response is accepted by the remote (202) before anything after it is
  // sent, so `notifications/initialized` can never overtake the first request. Requests do not hold
  // up what follows them: their answers may take arbitrarily long.
  let accepted: Promise<void> = Promise.resolve();
  const enqueue = (message: JSONRPCMessage): void => {
    const run = accepted.then(() => deliver(message)).catch((error: unknown) => log.error('relay failure', { error }));
    if (!isRequest(message)) accepted = run;
  };

  local.onmessage = (message) => {
    if (finished) return;
    if (isRequest(message)) {
      if (message.method === 'initialize') remote.recordInitialize(message);
      pending.add(message.id, message.method);
    } else if (isNotification(message) && message.method === 'notifications/initialized') {
      remote.recordInitialized(message);
    } else if (isNotification(message) && message.method === 'notifications/cancelled') {
      const requestId = message.params?.requestId;
      if (typeof requestId === 'string' || typeof requestId === 'number') pending.take(requestId);
    }
    enqueue(message);
  };
  local.onerror = (error) => log.warn('ignoring an unreadable message from the local client', { error: error.message });
  local.onclose = () => {
    if (finished) return;
    finished = true;
    void (async () => {
      const sessionDeleted = await remote.terminate();
      if (sessionDeleted) log.info('local client closed stdin; remote session deleted');
      settle.resolve({ reason: 'local-closed', sessionDeleted });
    })();
  };

  local.start().catch((error: unknown) => fail(new ClientError('PROTOCOL_ERROR', 'cannot read from the local client', { cause: error })));
  return done;
}
