import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isInitializeRequest, isJsonContentType } from '@modelcontextprotocol/server';
import { ProxyError } from '../shared/errors.js';
import { errorResponse } from '../shared/jsonrpc.js';
import { readBody } from './http/body-reader.js';
import { checkEdge, corsHeaders, hostAllowListFor, preflightHeaders, type EdgePolicy } from './http/edge-checks.js';
import { directPost } from './http/direct-post.js';
import { classifyRequest, echoId, requestedVersion, unsupportedVersion } from './http/era-classification.js';
import { answerRefusal, ProxyRefusal, refusal } from './http/refusals.js';
import { createHash } from 'node:crypto';
import type { SessionOutcome } from './telemetry/metrics-sink.js';
import type { ProxyOptions } from './proxy-options.js';
import { Capacity } from './capacity.js';
import { PrewarmPool } from './sessions/prewarm-pool.js';
import { SessionManager } from './sessions/session-manager.js';
import { noteMessage, rpcMethods, watchRequest, type RequestNote } from './http/request-log.js';
import { sendJson } from './http/web-bridge.js';
import { startCluster, type Cluster, type Refuse } from './cluster/cluster.js';

/**
 * Serves 2026-07-28 (stateless) requests; until one is plugged in, they get the unsupported-version answer.
 * `handle` throws a ProxyRefusal (http/refusals.ts) for what it refuses before answering; the server answers it.
 */
export interface ModernHandler {
  handle(req: IncomingMessage, res: ServerResponse, body: unknown, principal: string | undefined, headers: Record<string, string>): Promise<void>;
  readonly size: number;
  /** Children with a request in flight. */
  readonly busyCount?: number;
  /** The count of sessions + principal children the handler checks; the server counts its sessions in it. */
  readonly capacity?: Capacity;
  closeAll(reason: string): Promise<void>;
}

/** Internal switches, for tests that compare the two ways of serving a request. */
export interface ProxyTuning {
  /** Serve plain in-session POSTs without the SDK transport (session.ts); default true. */
  directPost?: boolean;
}

export interface RunningProxy {
  url: string;
  port: number;
  sessions: SessionManager;
  /**
   * Stops taking new sessions (a new `initialize` gets 503 + Retry-After, /readyz turns 503) while the
   * existing sessions and principals go on being served. Resolves when none is left or after `timeoutMs`.
   */
  drain(timeoutMs: number): Promise<'empty' | 'timeout'>;
  close(): Promise<void>;
}

const ANONYMOUS = undefined;
/** The note of a request nobody watches; only written to behind `note.enabled`. */
const UNWATCHED: RequestNote = Object.freeze({ enabled: false });

/** What traces show of a principal: 16 hex digits of its SHA-256, so a trace never carries an identity or token. */
function principalFingerprint(principal: string): string {
  return createHash('sha256').update(principal).digest('hex').slice(0, 16);
}

export async function startProxy(opts: ProxyOptions, modern?: ModernHandler, tuning: ProxyTuning = {}): Promise<RunningProxy> {
  const log = opts.logger;
  const metrics = opts.metrics;
  const tracing = opts.tracing;
  // One count under --max-sessions: the sessions and, when 2026-07-28 is served, the principal children.
  const capacity = modern?.capacity ?? new Capacity(opts.maxSessions);
  const sessions = new SessionManager({
    capacity,
    observe: (event: SessionOutcome, id: string) => {
      metrics?.session(event);
      pool?.refill();
      if (event !== 'created') cluster?.sessionEnded(id);
    },
    takeChild: () => pool?.take(),
    maxSessions: opts.maxSessions,
    sessionTimeoutMs: opts.sessionTimeoutMs,
    logger: log,
    session: {
      child: { ...opts.child, maxLineBytes: opts.maxLineBytes, killGraceMs: opts.killGraceMs },
      requestTimeoutMs: opts.requestTimeoutMs,
      maxQueuedMessages: opts.maxQueuedMessages,
      maxBodyBytes: opts.maxBodyBytes,
      logger: log,
      now: opts.now,
    },
  });
  const allowedHostnames = hostAllowListFor(opts.host, opts.allowedHosts);
  const policy: EdgePolicy = { allowedOrigins: opts.allowedOrigins, ...(allowedHostnames ? { allowedHostnames } : {}) };
  const childOptions = { ...opts.child, maxLineBytes: opts.maxLineBytes, killGraceMs: opts.killGraceMs };
  const pool: PrewarmPool | undefined = opts.prewarm > 0
    ? new PrewarmPool({ size: opts.prewarm, child: childOptions, logger: log, capacityLeft: () => capacity.left })
    : undefined;
  // Principals' children come and go without telling the pool: it gives back capacity on this tick.
  const poolTick = pool ? setInterval(() => pool?.refill(), 1_000) : undefined;
  poolTick?.unref();
  let stopping = false;
  let draining = false;
  // --redis-url: the directory and forwarding between instances (src/proxy/cluster), set once listening.
  let cluster: Cluster | undefined;
  const live = (): number => sessions.size + (modern?.size ?? 0);
  const directPosts = tuning.directPost ?? true;

  async function handleMcp(req: IncomingMessage, res: ServerResponse, note: RequestNote): Promise<void> {
    const verdict = checkEdge(policy, { host: req.headers.host, origin: req.headers.origin });
    if (!verdict.ok) {
      const hint = verdict.check === 'origin' ? 'to allow this origin, start the proxy with --allow-origin <origin>' : 'to accept this Host name, start the proxy with --allow-host <hostname>';
      log.warn('request refused at the edge', { reason: verdict.reason, hint });
      throw refusal('EDGE_REJECTED', { detail: verdict.reason });
    }
    const cors = verdict.corsOrigin ? corsHeaders(verdict.corsOrigin) : {};
    if (req.method === 'OPTIONS') {
      res.writeHead(204, verdict.corsOrigin ? preflightHeaders(verdict.corsOrigin) : {});
      res.end();
      return;
    }
    try {
      await serveMcp(req, res, note, cors);
    } catch (error) {
      if (error instanceof ProxyRefusal && !res.headersSent) return answerRefusal(res, error, cors);
      throw error;
    }
  }

  /** Serves one MCP request that passed the edge; a refusal is thrown as a ProxyRefusal and answered by the caller. */
  async function serveMcp(req: IncomingMessage, res: ServerResponse, note: RequestNote, cors: Record<string, string>): Promise<void> {
    const method = req.method ?? 'GET';
    if (stopping) throw refusal('SHUTTING_DOWN');
    if (opts.cluster && !cluster) throw refusal('CLUSTER_STARTING');
    let principal: string | undefined = ANONYMOUS;
    if (opts.auth) {
      const auth = await opts.auth.authenticate(req);
      if (!auth.ok) return sendJson(res, auth.status, auth.body, { ...cors, ...auth.headers });
      principal = auth.principal;
    }
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') throw refusal('METHOD_NOT_ALLOWED');
    // A hop from another instance (secret verified) is served here and never forwarded again (no loops).
    const hop = cluster?.hop(req) ?? 'client';
    if (hop === 'forged') {
      log.warn('forwarded request with a wrong cluster secret refused');
      throw refusal('CLUSTER_FORGED');
    }
    let body: unknown;
    let raw: string | undefined;
    if (method === 'POST') {
      if (!isJsonContentType(req.headers['content-type'] ?? null)) throw refusal('UNSUPPORTED_MEDIA_TYPE');
      const read = await readBody(req, opts.maxBodyBytes);
      if (read.kind === 'too-large') throw refusal('BODY_TOO_LARGE', { detail: opts.maxBodyBytes });
      if (read.kind === 'aborted') return;
      raw = read.text;
      try {
        body = JSON.parse(read.text);
      } catch {
        throw refusal('PARSE_ERROR');
      }
    }
    const sessionId = req.headers['mcp-session-id'];
    if (note.enabled) {
      note.rpc = rpcMethods(body);
      if (typeof sessionId === 'string') note.session = sessionId;
      if (tracing) {
        noteMessage(note, body);
        if (principal !== undefined) note.principal = principalFingerprint(principal);
      }
    }
    // A plain in-session POST (direct-post.ts) is 2025-era by construction: nothing for the era classifier to decide.
    const direct = directPosts && method === 'POST' && typeof sessionId === 'string' && sessionId !== '' ? directPost(req, body) : undefined;
    if (!direct) {
      const era = classifyRequest(req, body);
      // The SDK classifier's own ladder verdict (status and code decided by the SDK), relayed as it is.
      if (era.kind === 'reject') return sendJson(res, era.httpStatus, errorResponse(echoId(body), era.code, era.message, era.data), cors);
      if (era.kind === 'modern') {
        if (modern && cluster) {
          const local = (): Promise<void> => modern.handle(req, res, body, principal, cors);
          if (hop === 'forwarded') {
            cluster.principalActive(principal);
            return local();
          }
          return cluster.servePrincipal(req, res, raw, principal, local, refuser(res, cors, body));
        }
        if (modern) return modern.handle(req, res, body, principal, cors);
        throw unsupportedVersion(echoId(body), requestedVersion(req, body));
      }
    }
    if (typeof sessionId !== 'string' || sessionId === '') {
      if (method === 'POST' && isInitializeRequest(body)) {
        if (draining) {
          metrics?.session('refused');
          throw refusal('DRAINING', { id: echoId(body) });
        }
        const session = sessions.create(principal);
        if (!session) {
          log.warn('session limit reached', { maxSessions: opts.maxSessions });
          metrics?.session('refused');
          throw refusal('SESSION_LIMIT', { detail: opts.maxSessions, id: echoId(body) });
        }
        if (note.enabled) note.session = session.id;
        if (cluster && !(await cluster.placeSession(session.id))) {
          void session.close('the session directory is unreachable', 'deleted');
          metrics?.session('refused');
          throw refusal('DIRECTORY_UNAVAILABLE', { detail: 'no new sessions until it is back', id: echoId(body) });
        }
        return session.handle(req, res, body, cors);
      }
      throw refusal('SESSION_ID_REQUIRED', { id: echoId(body) });
    }
    const session = sessions.get(sessionId, principal);
    if (!session && cluster && hop === 'client') return cluster.serveElsewhere(req, res, raw, sessionId, refuser(res, cors, body));
    if (!session) throw refusal('SESSION_NOT_FOUND', { id: echoId(body) });
    cluster?.sessionActive(sessionId);
    if (Array.isArray(body) && !session.allowsBatches) throw refusal('BATCH_NOT_ALLOWED', { detail: session.protocolVersion });
    return session.handle(req, res, body, cors, direct);
  }

  /** A cluster refusal, answered from the same table as the proxy's own. */
  const refuser = (res: ServerResponse, cors: Record<string, string>, body: unknown): Refuse => (code) => {
    if (!res.headersSent) answerRefusal(res, refusal(code, { id: echoId(body) }), cors);
  };

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const debug = log.enabled('debug');
    // Nothing is allocated per request unless a debug log, metrics or traces want to know about it.
    const note: RequestNote = path === opts.endpoint && (debug || metrics !== undefined || tracing !== undefined) ? { enabled: true } : UNWATCHED;
    if (note.enabled) watchRequest(req, res, path ?? '/', note, { ...(debug ? { log } : {}), ...(metrics ? { metrics } : {}), ...(tracing ? { tracing } : {}) });
    try {
      if (path === opts.healthPath && (req.method === 'GET' || req.method === 'HEAD')) {
        const degraded = cluster !== undefined && !cluster.healthy;
        const status = stopping ? 'stopping' : draining ? 'draining' : degraded ? 'degraded' : 'ok';
        return sendJson(res, stopping ? 503 : 200, { status, sessions: live(), version: opts.version, ...(pool ? { prewarmed: pool.size } : {}), ...(cluster ? { redis: cluster.healthy ? 'ok' : 'unreachable' } : {}) });
      }
      if (path === opts.readyPath && (req.method === 'GET' || req.method === 'HEAD')) {
        const ready = !stopping && !draining;
        return sendJson(res, ready ? 200 : 503, { ready, status: stopping ? 'stopping' : draining ? 'draining' : 'ok' });
      }
      if (metrics && path === opts.metricsPath && (req.method === 'GET' || req.method === 'HEAD')) {
        const { contentType, body } = await metrics.render();
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      if (opts.auth?.serveWellKnown?.(req, res)) return;
      if (path !== opts.endpoint) throw refusal('NOT_FOUND', { detail: opts.endpoint });
      await handleMcp(req, res, note);
    } catch (error) {
      if (error instanceof ProxyRefusal && !res.headersSent) return answerRefusal(res, error);
      log.error('request failed', { error, stack: error instanceof Error ? error.stack : undefined });
      if (!res.headersSent) answerRefusal(res, refusal('INTERNAL'));
      else res.end();
    }
  }

  const server: Server = createServer((req, res) => void onRequest(req, res));
  server.requestTimeout = 0; // SSE streams are long-lived; per-request timeouts are enforced by the relay.
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, rejectListen) => {
    server.once('error', (cause) => rejectListen(new ProxyError('LISTEN_FAILED', `cannot listen on ${opts.host}:${opts.port}`, { cause })));
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${hostForUrl}:${port}${opts.endpoint}`;
  if (opts.cluster) {
    try {
      cluster = await startCluster(opts.cluster, { self: opts.cluster.advertiseUrl ?? url, sessionTimeoutMs: opts.sessionTimeoutMs, requestTimeoutMs: opts.requestTimeoutMs, logger: log, ...(metrics ? { metrics } : {}) });
    } catch (error) {
      await new Promise<void>((r) => server.close(() => r()));
      throw error;
    }
    log.info('cluster directory connected', { advertise: cluster.self });
  }
  return {
    url,
    port,
    sessions,
    async drain(timeoutMs) {
      draining = true;
      const deadline = Date.now() + timeoutMs;
      // 2025 sessions end when their clients end them; a 2026-07-28 principal has no end, only work in flight.
      const working = (): number => sessions.size + (modern?.busyCount ?? modern?.size ?? 0);
      while (working() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, Math.min(100, Math.max(1, deadline - Date.now()))));
      return working() === 0 ? 'empty' : 'timeout';
    },
    async close() {
      stopping = true;
      clearInterval(poolTick);
      await pool?.closeAll();
      const closed = new Promise<void>((r) => server.close(() => r()));
      await Promise.all([sessions.closeAll('proxy is shutting down'), modern?.closeAll('proxy is shutting down')]);
      server.closeAllConnections();
      await closed;
      await cluster?.close();
      await tracing?.shutdown().catch((error: unknown) => log.warn('could not export the last traces', { error }));
    },
  };
}
