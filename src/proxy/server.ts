import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isJsonRequest } from './http/json-content-type.js';
import type { AddressInfo } from 'node:net';
import { ProxyError } from '../shared/errors.js';
import { readBody } from './http/body-reader.js';
import { verifiedHop } from './cluster/verified-hop.js';
import { checkEdge, corsHeaders, hostAllowListFor, preflightHeaders, type EdgePolicy } from './http/edge-checks.js';
import { answerRefusal, ProxyRefusal, refusal } from './http/refusals.js';
import type { ProxyOptions } from './proxy-options.js';
import { ANONYMOUS, authenticateCaller } from './auth/caller-auth.js';
import type { CallerIdentity } from './identity/caller-identity.js';
import type { Capacity } from './capacity.js';
import type { Session } from './sessions/session.js';
import { noteRequest, watchRequest, type RequestNote } from './http/request-log.js';
import { sendJson } from './http/web-bridge.js';
import { startCluster, type Cluster } from './cluster/cluster.js';
import { ServedServer, type ServedServerContext } from './served-server.js';
import { legacySseServer, ServerRouter, type NamedServerSpec, type ReloadSummary, type Route } from './server-router.js';
import { SERVER_PATHS, serverPrefix } from './config/config-options.js';

/**
 * Serves 2026-07-28 (stateless) requests; until one is plugged in, they get the unsupported-version answer.
 * `handle` throws a ProxyRefusal (http/refusals.ts) for what it refuses before answering; the server answers it.
 */
export interface ModernHandler {
  /** `identity`: with --header-to-env or forwarded claims, which child serves the caller and its variables. */
  handle(req: IncomingMessage, res: ServerResponse, body: unknown, principal: string | undefined, headers: Record<string, string>, identity?: CallerIdentity): Promise<void>;
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


/** --config: the named servers, each at `/servers/<name>/…`, and how a server's 2026-07-28 handler is made. */
export interface NamedServers {
  servers: readonly NamedServerSpec<ProxyOptions>[];
  modernFor?: (options: ProxyOptions) => ModernHandler | undefined;
}

export interface RunningProxy {
  /** The MCP endpoint's URL; with --config, the `/servers` base (a server is at `<url>/<name>/mcp`). */
  url: string;
  port: number;
  /** The live 2025-era sessions, over every server. */
  sessions: { readonly size: number; get(id: string, principal: string | undefined): Session | undefined };
  /** Legacy HTTP+SSE sessions over every server (absent with --no-sse). */
  legacySse: { readonly size: number } | undefined;
  /** Sessions and principal children, over every server. */
  readonly live: number;
  /** With --config, per server name: its 2025-era sessions and its children (sessions + principals); else undefined. */
  perServer(): Record<string, { sessions: number; children: number }> | undefined;
  /**
   * Stops taking new sessions (a new `initialize` gets 503 + Retry-After, /readyz turns 503) while the
   * existing sessions and principals go on being served. Resolves when none is left or after `timeoutMs`.
   */
  drain(timeoutMs: number): Promise<'empty' | 'timeout'>;
  /** --config only: serve this set of named servers from now on (added, removed, changed by `key`). */
  reload(servers: readonly NamedServerSpec<ProxyOptions>[]): ReloadSummary;
  close(): Promise<void>;
}

/** The note of a request nobody watches; only written to behind `note.enabled`. */
const UNWATCHED: RequestNote = Object.freeze({ enabled: false });

/**
 * The listener: edge checks, auth, the body cap, health/readiness/metrics, and routing to the served
 * servers (served-server.ts) — the one of `opts` at --endpoint, or with `named` each at `/servers/<name>/mcp`.
 */
export async function startProxy(opts: ProxyOptions, modern?: ModernHandler, tuning: ProxyTuning = {}, named?: NamedServers): Promise<RunningProxy> {
  const log = opts.logger;
  const metrics = opts.metrics;
  const tracing = opts.tracing;
  if (named && opts.cluster) throw new ProxyError('CONFIG_INVALID', '--config and --redis-url cannot be combined: the session directory does not know named servers');
  const allowedHostnames = hostAllowListFor(opts.host, opts.allowedHosts);
  const policy: EdgePolicy = { allowedOrigins: opts.allowedOrigins, ...(allowedHostnames ? { allowedHostnames } : {}) };
  let stopping = false;
  let draining = false;
  // --redis-url: the directory and forwarding between instances (src/proxy/cluster), set once listening.
  let cluster: Cluster | undefined;
  const context: ServedServerContext = { draining: () => draining, cluster: () => cluster, directPosts: tuning.directPost ?? true, policy, stopping: () => stopping };
  const build = (spec: NamedServerSpec<ProxyOptions>): ServedServer =>
    new ServedServer(spec.name, serverPrefix(spec.name), spec.options, named?.modernFor?.(spec.options), context);
  const router = named
    ? new ServerRouter(undefined, named.servers.map((s) => ({ ...s, options: build(s) })))
    : new ServerRouter(new ServedServer(undefined, '', opts, modern, context));
  const sum = (of: (s: ServedServer) => number): number => router.all().reduce((n, s) => n + of(s), 0);
  const live = (): number => sum((s) => s.live);
  const endpointOf = (route: Route | undefined): string => (route?.name === undefined ? (named ? `${serverPrefix('<name>')}${SERVER_PATHS.mcp}` : opts.endpoint) : `${serverPrefix(route.name)}${SERVER_PATHS.mcp}`);

  async function handleMcp(req: IncomingMessage, res: ServerResponse, note: RequestNote, route: Route): Promise<void> {
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
      await serveMcp(req, res, note, cors, route);
    } catch (error) {
      if (error instanceof ProxyRefusal && !res.headersSent) return answerRefusal(res, error, cors);
      throw error;
    }
  }

  /** Reads one MCP request that passed the edge and hands it to its server; a refusal is thrown as a ProxyRefusal. */
  async function serveMcp(req: IncomingMessage, res: ServerResponse, note: RequestNote, cors: Record<string, string>, route: Route): Promise<void> {
    const method = req.method ?? 'GET';
    if (stopping) throw refusal('SHUTTING_DOWN');
    if (opts.cluster && !cluster) throw refusal('CLUSTER_STARTING');
    // Without auth there is nothing to wait for: one await less on every request.
    const caller = opts.auth ? await authenticateCaller(opts.auth, req, res, cors) : ANONYMOUS;
    if (!caller) return;
    const { principal, claims } = caller;
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') throw refusal('METHOD_NOT_ALLOWED');
    // A hop from another instance is served here and never forwarded again (no loops).
    const hop = verifiedHop(cluster, req, log);
    let body: unknown;
    let raw: string | undefined;
    if (method === 'POST') {
      if (!isJsonRequest(req.headers['content-type'])) throw refusal('UNSUPPORTED_MEDIA_TYPE');
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
    const header = req.headers['mcp-session-id'];
    const sessionId = typeof header === 'string' && header !== '' ? header : undefined;
    noteRequest(note, body, typeof header === 'string' ? header : undefined, principal);
    // A removed server's sessions are still served; a new session or a 2026-07-28 request is not.
    const server = router.pick(route, sessionId, principal);
    if (!server) throw refusal('NOT_FOUND', { detail: endpointOf(route) });
    return server.serve({ req, res, note, cors, principal, claims, hop, body, raw, sessionId });
  }

  /** /healthz per server: `sessions` counts what the top-level `sessions` counts (sessions and principal children). */
  const perServerLive = (): Record<string, { sessions: number }> =>
    Object.fromEntries(Object.entries(router.counts()).map(([name, c]) => [name, { sessions: c.children }]));

  function health(): { status: number; body: Record<string, unknown> } {
    const degraded = cluster !== undefined && !cluster.healthy;
    const status = stopping ? 'stopping' : draining ? 'draining' : degraded ? 'degraded' : 'ok';
    const prewarmed = router.all().some((s) => s.prewarmed !== undefined) ? { prewarmed: sum((s) => s.prewarmed ?? 0) } : {};
    return {
      status: stopping ? 503 : 200,
      body: { status, sessions: live(), version: opts.version, ...prewarmed, ...(cluster ? { redis: cluster.healthy ? 'ok' : 'unreachable' } : {}), ...(router.named ? { servers: perServerLive() } : {}) },
    };
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    try {
      if (path === opts.healthPath && (req.method === 'GET' || req.method === 'HEAD')) {
        const { status, body } = health();
        return sendJson(res, status, body);
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
      const route = router.route(path);
      // The legacy SSE paths: its own edge (Origin/Host, auth, body cap) for one server's SSE sessions.
      const sse = route && legacySseServer(route, path, req.url);
      const endpoint = route?.name === undefined ? opts.endpoint : SERVER_PATHS.mcp;
      if (!sse && (!route || route.sub !== endpoint)) throw refusal('NOT_FOUND', { detail: endpointOf(route) });
      const debug = log.enabled('debug');
      // Nothing is allocated per request unless a debug log, metrics or traces want to know about it.
      const note: RequestNote = debug || metrics !== undefined || tracing !== undefined ? { enabled: true, details: tracing !== undefined } : UNWATCHED;
      if (note.enabled) watchRequest(req, res, path, note, { ...(debug ? { log } : {}), ...(metrics ? { metrics } : {}), ...(tracing ? { tracing } : {}) });
      if (sse) return await sse.legacySse!.handle(req, res, path, note);
      await handleMcp(req, res, note, route!);
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
  const closeServers = (reason: string): Promise<unknown> => {
    router.stop();
    return Promise.all(router.all().map((s) => s.close(reason)));
  };
  try {
    await new Promise<void>((resolve, rejectListen) => {
      server.once('error', (cause) => rejectListen(new ProxyError('LISTEN_FAILED', `cannot listen on ${opts.host}:${opts.port}`, { cause })));
      server.listen(opts.port, opts.host, () => resolve());
    });
  } catch (error) {
    await closeServers('the proxy could not start');
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${hostForUrl}:${port}${named ? '/servers' : opts.endpoint}`;
  if (opts.cluster) {
    try {
      cluster = await startCluster(opts.cluster, { self: opts.cluster.advertiseUrl ?? url, sessionTimeoutMs: opts.sessionTimeoutMs, requestTimeoutMs: opts.requestTimeoutMs, logger: log, ...(metrics ? { metrics } : {}) });
    } catch (error) {
      await new Promise<void>((r) => server.close(() => r()));
      await closeServers('the proxy could not start');
      throw error;
    }
    log.info('cluster directory connected', { advertise: cluster.self });
  }
  return {
    url,
    port,
    sessions: {
      get size() {
        return sum((s) => s.sessions.size);
      },
      get: (id, principal) => router.all().map((s) => s.sessions.get(id, principal)).find((s) => s !== undefined),
    },
    legacySse: opts.legacySse ? { get size() { return sum((s) => s.legacySseSessions?.size ?? 0); } } : undefined,
    get live() {
      return live();
    },
    perServer: () => (router.named ? router.counts() : undefined),
    async drain(timeoutMs) {
      draining = true;
      const deadline = Date.now() + timeoutMs;
      // 2025 sessions end when their clients end them; a 2026-07-28 principal has no end, only work in flight.
      const working = (): number => sum((s) => s.working);
      while (working() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, Math.min(100, Math.max(1, deadline - Date.now()))));
      return working() === 0 ? 'empty' : 'timeout';
    },
    reload(servers) {
      if (!named) throw new ProxyError('CONFIG_INVALID', 'reload needs --config: without it there are no named servers');
      if (stopping) return { added: [], removed: [], changed: [], unchanged: servers.map((s) => s.name) };
      return router.reload(servers, build);
    },
    async close() {
      stopping = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      await closeServers('proxy is shutting down');
      server.closeAllConnections();
      await closed;
      await cluster?.close();
      await tracing?.shutdown().catch((error: unknown) => log.warn('could not export the last traces', { error }));
    },
  };
}
