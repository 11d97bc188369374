/**
 * The legacy route (a 2025 local client, a 2025-capable remote): `edge link (local stdio) ⇄ peer link
 * (the remote session)`, no translator and no mux: ids pass unchanged. The remote session
 * (remote-session.ts) owns the recovery (SSE fallback, session replay after a 404, the outage retry)
 * and answers what it cannot deliver; this only wires the two links and decides how the run ends.
 */

import { silentLogger, type Logger } from '../../shared/logger.js';
import type { ClientError } from '../../shared/errors.js';
import type { FetchLike } from '../../shared/fetch-like.js';
import type { TransportMode } from '../remote/remote-channel.js';
import { RemoteSession } from '../remote/remote-session.js';
import type { RetryPolicy } from '../remote/retry-policy.js';
import type { LocalEdge, LocalTransport } from './local-edge.js';

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

/** What a route runs on: the options, with the local client as the edge link the era router holds. */
export type RouteOptions = Omit<BridgeOptions, 'local'> & { edge: LocalEdge };

export interface BridgeExit {
  reason: 'local-closed';
  sessionDeleted: boolean;
}

/** The remote session of a route, as a link. */
export function remoteSessionFor(options: RouteOptions): RemoteSession {
  return new RemoteSession({
    url: options.url,
    transport: options.transport,
    fetch: options.fetch,
    retry: options.retry,
    requestTimeoutMs: options.requestTimeoutMs,
    logger: options.logger ?? silentLogger,
    ...(options.now ? { now: options.now } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
}

/**
 * How a session route ends: stdin closed → the remote session is deleted and the run resolves; the
 * remote gone for good (it answered every request first) → `gone` runs, the local side is closed and
 * the run rejects with REMOTE_GONE.
 */
export function endOfSessionRoute(options: RouteOptions, remote: RemoteSession, gone: (error: ClientError) => void = () => undefined): Promise<BridgeExit> {
  const log = options.logger ?? silentLogger;
  const { edge } = options;
  let ended = false;
  return new Promise<BridgeExit>((resolve, reject) => {
    remote.onclose = (error) => {
      if (!error || ended) return;
      ended = true;
      gone(error);
      void edge.close().catch(() => undefined).then(() => reject(error));
    };
    edge.onclose = () => {
      if (ended) return;
      ended = true;
      void remote.close().then((sessionDeleted) => {
        if (sessionDeleted) log.info('local client closed stdin; remote session deleted');
        resolve({ reason: 'local-closed', sessionDeleted });
      });
    };
  });
}

/** Runs until the local client closes stdin (resolves) or the remote is gone for good (rejects REMOTE_GONE). */
export function runBridge(options: RouteOptions): Promise<BridgeExit> {
  const { edge } = options;
  const remote = remoteSessionFor(options);
  remote.onmessage = (message) => void edge.send(message);
  edge.onmessage = (message) => void remote.send(message);
  const done = endOfSessionRoute(options, remote);
  edge.start();
  return done;
}
