import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isInitializeRequest, isJsonContentType } from '@modelcontextprotocol/server';
import { ProxyError } from '../shared/errors.js';
import { errorResponse, INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR, SERVER_ERROR, SESSION_NOT_FOUND } from '../shared/jsonrpc.js';
import { readBody } from './http/body-reader.js';
import { checkEdge, corsHeaders, hostAllowListFor, preflightHeaders, type EdgePolicy } from './http/edge-checks.js';
import { directPost } from './http/direct-post.js';
import { classifyRequest, echoId, requestedVersion, unsupportedVersionError } from './http/era-classification.js';
import { createHash } from 'node:crypto';
import type { SessionOutcome } from './telemetry/metrics-sink.js';
import type { ProxyOptions } from './proxy-options.js';
import { PrewarmPool } from './sessions/prewarm-pool.js';
import { SessionManager } from './sessions/session-manager.js';
import { noteMessage, rpcMethods, watchRequest, type RequestNote } from './http/request-log.js';
import { sendJson } from './http/web-bridge.js';
import { startCluster, type Cluster, type Refuse } from './cluster/cluster.js';

/** Serves 2026-07-28 (stateless) requests; until one is plugged in, they get the unsupported-version answer. */
export interface ModernHandler {
  handle(req: IncomingMessage, res: ServerResponse, body: unknown, principal: string | undefined, headers: Record<string, string>): Promise<void>;
  readonly size: number;
  /** Children with a request in flight. */
  readonly busyCount?: number;
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

/** What traces show of a principal: 16 hex digits of its SHA-256, so a trace never carries an identity or token. */
function principalFingerprint(principal: string): string {
  return createHash('sha256').update(principal).digest('hex').slice(0, 16);
}

export async function startProxy(opts: ProxyOptions, modern?: ModernHandler, tuning: ProxyTuning = {}): Promise<RunningProxy> {
  const log = opts.logger;
  const metrics = opts.metrics;
  const tracing = opts.tracing;
  const sessions = new SessionManager({
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
    ? new PrewarmPool({ size: opts.prewarm, child: childOptions, logger: log, capacityLeft: () => opts.maxSessions - sessions.size - (modern?.size ?? 0) })
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

  const reject = (res: ServerResponse, status: number, code: number, message: string, headers?: Record<string, string>, id: string | number | null = null, data?: unknown): void =>
    sendJson(res, status, errorResponse(id, code, message, data), headers);

  async function handleMcp(req: IncomingMessage, res: ServerResponse, note: RequestNote): Promise<void> {
    const verdict = checkEdge(policy, { host: req.headers.host, origin: req.headers.origin });
    if (!verdict.ok) {
      const hint = verdict.check === 'origin' ? 'to allow this origin, start the proxy with --allow-origin <origin>' : 'to accept this Host name, start the proxy with --allow-host <hostname>';
      log.warn('request refused at the edge', { reason: verdict.reason, hint });
      return reject(res, 403, SERVER_ERROR, `Forbidden: ${verdict.reason}`);
    }
    const cors = verdict.corsOrigin ? corsHeaders(verdict.corsOrigin) : {};
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.writeHead(204, verdict.corsOrigin ? preflightHeaders(verdict.corsOrigin) : {});
      res.end();
      return;
    }
    if (stopping) return reject(res, 503, SERVER_ERROR, 'Proxy is shutting down', { ...cors, 'Retry-After': '1', Connection: 'close' });
    if (opts.cluster && !cluster) return reject(res, 503, SERVER_ERROR, 'Proxy is starting (connecting to the session directory)', { ...cors, 'Retry-After': '1' });
    let principal: string | undefined = ANONYMOUS;
    if (opts.auth) {
      const auth = await opts.auth.authenticate(req);
      if (!auth.ok) return sendJson(res, auth.status, auth.body, { ...cors, ...auth.headers });
      principal = auth.principal;
    }
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
      return reject(res, 405, SERVER_ERROR, 'Method not allowed', { ...cors, Allow: 'GET, POST, DELETE, OPTIONS' });
    }
    // A hop from another instance (secret verified) is served here and never forwarded again (no loops).
    const hop = cluster?.hop(req) ?? 'client';
    if (hop === 'forged') {
      log.warn('forwarded request with a wrong cluster secret refused');
      return reject(res, 403, SERVER_ERROR, 'Forbidden: bad cluster secret', cors);
    }
    let body: unknown;
    let raw: string | undefined;
    if (method === 'POST') {
      if (!isJsonContentType(req.headers['content-type'] ?? null)) {
        return reject(res, 415, SERVER_ERROR, 'Unsupported Media Type: Content-Type must be application/json', cors);
      }
      const read = await readBody(req, opts.maxBodyBytes);
      if (read.kind === 'too-large') return reject(res, 413, SERVER_ERROR, `Payload Too Large: the body exceeds ${opts.maxBodyBytes} bytes`, { ...cors, Connection: 'close' });
      if (read.kind === 'aborted') return;
      raw = read.text;
      try {
        body = JSON.parse(read.text);
      } catch {
        return reject(res, 400, PARSE_ERROR, 'Parse error: the body is not valid JSON', cors);
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
      if (era.kind === 'reject') return reject(res, era.httpStatus, era.code, era.message, cors, echoId(body), era.data);
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
        return sendJson(res, 400, unsupportedVersionError(echoId(body), requestedVersion(req, body)), cors);
      }
    }
    if (typeof sessionId !== 'string' || sessionId === '') {
      if (method === 'POST' && isInitializeRequest(body)) {
        if (draining) {
          metrics?.session('refused');
          return reject(res, 503, SERVER_ERROR, 'This proxy instance is draining and takes no new sessions; retry (another instance may serve you)', { ...cors, 'Retry-After': '1' }, echoId(body));
        }
        const session = sessions.create(principal, modern?.size ?? 0);
        if (!session) {
          log.warn('session limit reached', { maxSessions: opts.maxSessions });
          metrics?.session('refused');
          return reject(res, 503, SERVER_ERROR, `Too many sessions: the limit of ${opts.maxSessions} is reached; retry later`, { ...cors, 'Retry-After': '5' }, echoId(body));
        }
        if (note.enabled) note.session = session.id;
        if (cluster && !(await cluster.placeSession(session.id))) {
          void session.close('the session directory is unreachable', 'deleted');
          metrics?.session('refused');
          return reject(res, 503, SERVER_ERROR, 'Service Unavailable: the session directory (Redis) is unreachable; no new sessions until it is back', { ...cors, 'Retry-After': '1' }, echoId(body));
        }
        return session.handle(req, res, body, cors);
      }
      return reject(res, 400, SERVER_ERROR, 'Bad Request: Mcp-Session-Id header is required', cors, echoId(body));
    }
    const session = sessions.get(sessionId, principal);
    if (!session && cluster && hop === 'client') return cluster.serveElsewhere(req, res, raw, sessionId, refuser(res, cors, body));
    if (!session) return reject(res, 404, SESSION_NOT_FOUND, 'Session not found', cors, echoId(body));
    cluster?.sessionActive(sessionId);
    if (Array.isArray(body) && !session.allowsBatches) {
      return reject(res, 400, INVALID_REQUEST, `Invalid Request: JSON-RPC batches are not allowed in protocol version ${session.protocolVersion}`, cors);
    }
    return session.handle(req, res, body, cors, direct);
  }

  /** A cluster refusal as the proxy writes its own: 404 keeps its JSON-RPC code, the rest are server errors. */
  const refuser = (res: ServerResponse, cors: Record<string, string>, body: unknown): Refuse => (status, message, headers) =>
    reject(res, status, status === 404 ? SESSION_NOT_FOUND : SERVER_ERROR, message, { ...cors, ...headers }, echoId(body));

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    const debug = log.enabled('debug');
    const note: RequestNote = { enabled: path === opts.endpoint && (debug || metrics !== undefined || tracing !== undefined) };
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
      if (path !== opts.endpoint) return reject(res, 404, SERVER_ERROR, `Not Found: the MCP endpoint is ${opts.endpoint}`);
      await handleMcp(req, res, note);
    } catch (error) {
      log.error('request failed', { error, stack: error instanceof Error ? error.stack : undefined });
      if (!res.headersSent) reject(res, 500, INTERNAL_ERROR, 'Internal error in the proxy');
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
