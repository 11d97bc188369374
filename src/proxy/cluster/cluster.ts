import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../shared/logger.js';
import type { MetricsSink } from '../telemetry/metrics-sink.js';
import { connectDirectory, principalKey, type Directory } from './directory.js';
import { createForwarder, SECRET_HEADER, type Forwarder } from './forwarder.js';
import { HEARTBEAT_TTL_MS, startHeartbeat } from './heartbeat.js';

/** `--redis-url`, `--advertise-url`, `--cluster-secret`. */
export interface ClusterOptions {
  redisUrl: string;
  /** Where other instances reach this one's MCP endpoint (default: its listen URL). */
  advertiseUrl?: string;
  /** Authenticates forwarded hops (default: one generated and kept in Redis). */
  secret?: string;
}

/** How a refusal is written: the server answers the code from its refusal table (src/proxy/http/refusals.ts). */
export type Refuse = (code: 'SESSION_NOT_FOUND' | 'DIRECTORY_UNAVAILABLE' | 'OWNER_UNAVAILABLE') => void;

/** Who sent a request: a client, another instance of the cluster (secret verified), or someone with a wrong secret. */
export type Hop = 'client' | 'forwarded' | 'forged';

export interface Cluster {
  /** Redis answers (false: new sessions are refused; /healthz says degraded). */
  readonly healthy: boolean;
  readonly self: string;
  hop(req: IncomingMessage): Hop;
  /** Records a new session as this instance's; false when the directory cannot (the session must not start). */
  placeSession(id: string): Promise<boolean>;
  /** A request of a local session: its entry lives on (refreshed at most every few seconds). */
  sessionActive(id: string): void;
  sessionEnded(id: string): void;
  /**
   * A session not found here, asked by a client: forwarded to its owner, or answered 404/503. `path`: the
   * owner's path for it when not the MCP endpoint (a legacy SSE session's messages path, with its query).
   */
  serveElsewhere(req: IncomingMessage, res: ServerResponse, body: string | undefined, sessionId: string, refuse: Refuse, path?: string): Promise<void>;
  /**
   * A request placed by its principal (2026-07-28, or a new session under --isolation principal), from a
   * client: served here (`local`) when this instance holds or takes the principal, else forwarded
   * (`path`: as for serveElsewhere).
   */
  servePrincipal(req: IncomingMessage, res: ServerResponse, body: string | undefined, childKey: string, local: () => Promise<void>, refuse: Refuse, path?: string): Promise<void>;
  /** A forwarded 2026-07-28 request, served here: the principal's entry lives on. */
  principalActive(childKey: string): void;
  close(): Promise<void>;
}

export interface ClusterDeps {
  self: string;
  sessionTimeoutMs: number;
  requestTimeoutMs: number;
  logger: Logger;
  metrics?: MetricsSink;
}

const digest = (s: string): Buffer => hash('sha256', s, 'buffer');

export async function startCluster(opts: ClusterOptions, deps: ClusterDeps): Promise<Cluster> {
  const log = deps.logger;
  const directory: Directory = await connectDirectory({ redisUrl: opts.redisUrl, self: deps.self, logger: log });
  let secret: string;
  try {
    secret = await directory.sharedSecret(opts.secret);
  } catch (error) {
    await directory.close();
    throw error;
  }
  const secretDigest = digest(secret);
  const heartbeat = startHeartbeat(directory, log);
  const forwarder: Forwarder = createForwarder({ secret, connectTimeoutMs: 3_000, headersTimeoutMs: deps.requestTimeoutMs + 5_000 });
  // A session's entry outlives a missed refresh; the owner deletes it when the session ends, the heartbeat covers a crash.
  const ttlMs = deps.sessionTimeoutMs * 2;
  const refreshEveryMs = Math.min(5_000, Math.max(100, Math.floor(deps.sessionTimeoutMs / 4)));
  const refreshed = new Map<string, number>();
  const due = (key: string): boolean => {
    const now = Date.now();
    if (now - (refreshed.get(key) ?? 0) < refreshEveryMs) return false;
    refreshed.set(key, now);
    return true;
  };
  const quietly = (what: string, key?: string) => (error: unknown): void => {
    if (key !== undefined) refreshed.delete(key); // retried with the next request
    log.debug(`cluster directory: ${what} failed`, { error });
  };
  // Owners seen lately: a forwarded request needs no Redis round trip. Short-lived, and dropped when a forward
  // fails, so a dead owner is still detected by the heartbeat within its TTL (404 within 10 s).
  const owners = new Map<string, { owner: string; until: number }>();
  const OWNER_CACHE_MS = 2_000;
  // Redis back after an outage (maybe restarted without its data): this instance is alive again at once, and its
  // sessions and principals are in the directory again before their next request.
  directory.onReconnect = () => {
    heartbeat.beat();
    for (const key of refreshed.keys()) {
      const id = key.slice(2);
      const put = key.startsWith('s:') ? directory.touchSession(id, ttlMs) : directory.touchPrincipal(id, ttlMs);
      put.catch(quietly('re-register', key));
    }
  };
  const unreachable = (refuse: Refuse): void => refuse('DIRECTORY_UNAVAILABLE');

  async function forward(req: IncomingMessage, res: ServerResponse, body: string | undefined, owner: string, refuse: Refuse, cacheKey?: string, path?: string): Promise<void> {
    const outcome = await forwarder.forward(req, res, body, owner, path);
    deps.metrics?.forwarded?.(outcome);
    if (outcome === 'ok') return;
    if (cacheKey !== undefined) owners.delete(cacheKey);
    log.warn('forward to the owning instance failed', { owner, failure: outcome });
    refuse('OWNER_UNAVAILABLE');
  }

  return {
    get healthy() {
      return directory.healthy;
    },
    self: deps.self,
    hop(req) {
      const presented = req.headers[SECRET_HEADER];
      if (presented === undefined) return 'client';
      delete req.headers[SECRET_HEADER];
      return typeof presented === 'string' && timingSafeEqual(digest(presented), secretDigest) ? 'forwarded' : 'forged';
    },
    async placeSession(id) {
      if (!directory.healthy) return false;
      try {
        await directory.placeSession(id, ttlMs, HEARTBEAT_TTL_MS);
        refreshed.set(`s:${id}`, Date.now());
        return true;
      } catch (error) {
        log.error('cannot record a new session in the directory (Redis); refusing it', { error });
        return false;
      }
    },
    sessionActive(id) {
      if (due(`s:${id}`)) directory.touchSession(id, ttlMs).catch(quietly('refresh', `s:${id}`));
    },
    sessionEnded(id) {
      refreshed.delete(`s:${id}`);
      directory.forgetSession(id).catch(quietly('forget'));
    },
    async serveElsewhere(req, res, body, sessionId, refuse, path) {
      if (!directory.healthy) return unreachable(refuse);
      const cached = owners.get(sessionId);
      if (cached && cached.until > Date.now()) return forward(req, res, body, cached.owner, refuse, sessionId, path);
      owners.delete(sessionId);
      let owner: string | undefined;
      let alive: boolean;
      try {
        owner = await directory.sessionOwner(sessionId);
        if (owner === undefined || owner === deps.self) return refuse('SESSION_NOT_FOUND');
        alive = await directory.isAlive(owner);
      } catch {
        return unreachable(refuse);
      }
      if (!alive) {
        // Its owner stopped beating: the session died with it, and the client re-initializes.
        directory.forgetStale('s', sessionId, owner).catch(quietly('forget'));
        return refuse('SESSION_NOT_FOUND');
      }
      if (owners.size >= 10_000) owners.clear();
      owners.set(sessionId, { owner, until: Date.now() + OWNER_CACHE_MS });
      return forward(req, res, body, owner, refuse, sessionId, path);
    },
    async servePrincipal(req, res, body, childKey, local, refuse, path) {
      const key = principalKey(childKey);
      if (refreshed.has(`p:${key}`) && !due(`p:${key}`)) return local();
      if (!directory.healthy) return unreachable(refuse);
      let holder: string;
      try {
        holder = await directory.claimPrincipal(key, ttlMs);
        if (holder !== deps.self && !(await directory.isAlive(holder))) {
          await directory.takePrincipal(key, ttlMs);
          holder = deps.self;
        }
      } catch {
        return unreachable(refuse);
      }
      if (holder === deps.self) {
        refreshed.set(`p:${key}`, Date.now());
        directory.touchPrincipal(key, ttlMs).catch(quietly('refresh', `p:${key}`));
        return local();
      }
      refreshed.delete(`p:${key}`);
      return forward(req, res, body, holder, refuse, undefined, path);
    },
    principalActive(childKey) {
      const key = principalKey(childKey);
      if (due(`p:${key}`)) directory.touchPrincipal(key, ttlMs).catch(quietly('refresh', `p:${key}`));
    },
    async close() {
      await heartbeat.stop();
      await forwarder.close();
      await directory.close();
    },
  };
}
