import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInitializeRequest } from '@modelcontextprotocol/server';
import { errorResponse } from '../shared/jsonrpc.js';
import type { Logger } from '../shared/logger.js';
import { Capacity } from './capacity.js';
import type { Cluster, Hop, Refuse } from './cluster/cluster.js';
import { directPost } from './http/direct-post.js';
import { classifyRequest, echoId, requestedVersion, unsupportedVersion } from './http/era-classification.js';
import { answerRefusal, refusal } from './http/refusals.js';
import type { RequestNote } from './http/request-log.js';
import { sendJson } from './http/web-bridge.js';
import type { ForwardedClaims, ProxyOptions } from './proxy-options.js';
import { callerIdentity, identityConfigured, type CallerIdentity } from './identity/caller-identity.js';
import { principalChildKey, sharedSessionsKey } from './identity/child-key.js';
import type { ModernHandler } from './server.js';
import { PrewarmPool } from './sessions/prewarm-pool.js';
import { SessionManager } from './sessions/session-manager.js';
import { acquirePeerFor } from './sessions/acquire-peer.js';
import type { EdgePolicy } from './http/edge-checks.js';
import { legacySseEdgeFor, type LegacySseEdge } from './sse/legacy-sse-edge.js';
import type { LegacySseSessions } from './sse/legacy-sse-sessions.js';
import type { SessionOutcome } from './telemetry/metrics-sink.js';

/** What the listener tells a served server: its state, shared by every server on it. */
export interface ServedServerContext {
  /** Draining: no new sessions (503), the existing ones served. */
  draining: () => boolean;
  /** --redis-url, once connected (only without --config: the cluster's directory keys carry no server name). */
  cluster: () => Cluster | undefined;
  /** Serve plain in-session POSTs without the SDK transport (ProxyTuning). */
  directPosts: boolean;
  /** The listener's Origin/Host policy (the legacy SSE edge checks its requests itself). */
  policy: EdgePolicy;
  stopping: () => boolean;
}

/** One MCP request that passed the listener: edge checks, auth, the method and the body cap. */
export interface McpRequest {
  req: IncomingMessage;
  res: ServerResponse;
  note: RequestNote;
  cors: Record<string, string>;
  principal: string | undefined;
  /** The authenticated caller's claims (for --forward-claims / --forward-token). */
  claims: ForwardedClaims | undefined;
  hop: Hop;
  body: unknown;
  raw: string | undefined;
  sessionId: string | undefined;
}

/**
 * One served server: one command and its options, with everything that runs it — the 2025-era session
 * manager, the 2026-07-28 principal children (through `modern`), one capacity under its `maxSessions`, the
 * prewarm pool and the idle reapers. The listener (server.ts) routes requests to it by path; without
 * --config there is one, at --endpoint; with --config one per entry, at `/servers/<name>/…`.
 */
export class ServedServer {
  readonly name: string | undefined;
  /** The URL path its endpoints follow: '' for the single server, `/servers/<name>` for a named one. */
  readonly prefix: string;
  readonly options: ProxyOptions;
  readonly sessions: SessionManager;
  readonly modern: ModernHandler | undefined;
  /** GET <prefix>/sse + POST <prefix>/messages (2024-11-05 clients); undefined with --no-sse. */
  readonly legacySse: LegacySseEdge | undefined;
  readonly legacySseSessions: LegacySseSessions | undefined;
  readonly #ctx: ServedServerContext;
  readonly #pool: PrewarmPool | undefined;
  readonly #poolTick: NodeJS.Timeout | undefined;
  readonly #log: Logger;
  /** --header-to-env or forwarded claims: each child is spawned for its caller. */
  readonly #identityOn: boolean;
  #retired = false;
  #poolClosed: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  constructor(name: string | undefined, prefix: string, options: ProxyOptions, modern: ModernHandler | undefined, ctx: ServedServerContext) {
    this.name = name;
    this.prefix = prefix;
    this.options = options;
    this.modern = modern;
    this.#ctx = ctx;
    const log = name === undefined ? options.logger : options.logger.child({ server: name });
    this.#log = log;
    const metrics = options.metrics;
    // One count under maxSessions: the sessions and, when 2026-07-28 is served, the principal children.
    const capacity = modern?.capacity ?? new Capacity(options.maxSessions);
    const childOptions = { ...options.child, maxLineBytes: options.maxLineBytes, killGraceMs: options.killGraceMs };
    // A child whose environment depends on its caller cannot be spawned ahead: no pool then.
    this.#identityOn = identityConfigured(options);
    if (options.prewarm > 0 && this.#identityOn) log.warn('--prewarm is off: with --header-to-env or forwarded claims each child is spawned for its caller', { prewarm: options.prewarm });
    this.#pool = options.prewarm > 0 && !this.#identityOn
      ? new PrewarmPool({ size: options.prewarm, child: childOptions, logger: log, capacityLeft: () => (this.#retired ? 0 : capacity.left) })
      : undefined;
    this.sessions = new SessionManager({
      capacity,
      observe: (event: SessionOutcome, id: string) => {
        metrics?.session(event);
        if (!this.#retired) this.#pool?.refill();
        if (event !== 'created') ctx.cluster()?.sessionEnded(id);
      },
      acquirePeer: acquirePeerFor(options.isolation ?? 'session', { child: childOptions, takeChild: () => this.#pool?.take(), logger: log }),
      maxSessions: options.maxSessions,
      sessionTimeoutMs: options.sessionTimeoutMs,
      logger: log,
      session: {
        child: childOptions,
        requestTimeoutMs: options.requestTimeoutMs,
        maxQueuedMessages: options.maxQueuedMessages,
        maxBodyBytes: options.maxBodyBytes,
        ...(options.toolFilter ? { toolFilter: options.toolFilter } : {}),
        ...(options.eventStore ? { eventStore: options.eventStore } : {}),
        ...(options.keepAliveMs !== undefined ? { keepAliveMs: options.keepAliveMs } : {}),
        logger: log,
        now: options.now,
      },
    });
    // The legacy SSE edge: its sessions take their peers through the same seam (isolation, pool, identity).
    const legacy = options.legacySse
      ? legacySseEdgeFor({ ...options, logger: log }, { endpoint: prefix + options.legacySse.endpoint, messagesEndpoint: prefix + options.legacySse.messagesEndpoint }, {
        capacity, policy: ctx.policy, acquirePeer: this.sessions.acquirePeer,
        state: () => (ctx.stopping() ? 'stopping' : ctx.draining() || this.#retired ? 'draining' : 'serving'),
        cluster: ctx.cluster,
        observe: (event, id) => {
          metrics?.session(event);
          if (event !== 'refused' && !this.#retired) this.#pool?.refill();
          if (event !== 'created' && event !== 'refused' && id !== undefined) ctx.cluster()?.sessionEnded(id);
        },
      })
      : undefined;
    this.legacySse = legacy?.edge;
    this.legacySseSessions = legacy?.sessions;
    // Principals' children come and go without telling the pool: it gives back capacity on this tick.
    this.#poolTick = this.#pool ? setInterval(() => this.#pool?.refill(), 1_000) : undefined;
    this.#poolTick?.unref();
  }

  /** Live sessions and principal children. */
  get live(): number {
    return this.sessionCount + (this.modern?.size ?? 0);
  }

  /** 2025-era sessions of both transports (Streamable HTTP and legacy SSE). */
  get sessionCount(): number {
    return this.sessions.size + (this.legacySseSessions?.size ?? 0);
  }

  /** What a drain (or a retired server) waits for: sessions, and principal children with work in flight. */
  get working(): number {
    return this.sessionCount + (this.modern?.busyCount ?? this.modern?.size ?? 0);
  }

  get prewarmed(): number | undefined {
    return this.#pool?.size;
  }

  get retired(): boolean {
    return this.#retired;
  }

  /** Whether `sessionId` is one of this server's sessions, for `principal`. */
  owns(sessionId: string, principal: string | undefined): boolean {
    return this.sessions.get(sessionId, principal) !== undefined;
  }

  /**
   * Removed from the configuration (or replaced by a changed entry): no new sessions or principals; the
   * existing sessions keep their child until they end. The waiting prewarmed children are ended now.
   */
  retire(): void {
    if (this.#retired) return;
    this.#retired = true;
    clearInterval(this.#poolTick);
    this.#poolClosed = this.#pool?.closeAll();
  }

  /** Serves one MCP request at this server's endpoint; a refusal is thrown as a ProxyRefusal. */
  async serve(r: McpRequest): Promise<void> {
    const { req, res, body, principal, cors, hop, sessionId } = r;
    const method = req.method ?? 'GET';
    const cluster = this.#ctx.cluster();
    // A plain in-session POST (direct-post.ts) is 2025-era by construction: nothing for the era classifier to decide.
    const direct = this.#ctx.directPosts && method === 'POST' && sessionId !== undefined ? directPost(req, body) : undefined;
    if (!direct) {
      const era = classifyRequest(req, body);
      // The SDK classifier's own ladder verdict (status and code decided by the SDK), relayed as it is.
      if (era.kind === 'reject') return sendJson(res, era.httpStatus, errorResponse(echoId(body), era.code, era.message, era.data), cors);
      if (era.kind === 'modern') {
        const modern = this.modern;
        if (this.#retired) throw refusal('NOT_FOUND', { detail: this.prefix + this.options.endpoint });
        // Every 2026-07-28 request names its caller's child: principal and header values (identity/).
        const identity = modern && this.#identityOn ? callerIdentity(this.options, principal, r.claims, req.headers, echoId(body)) : undefined;
        if (modern && cluster) {
          const local = (): Promise<void> => modern.handle(req, res, body, principal, cors, identity);
          const key = identity?.key ?? principalChildKey(principal, {});
          if (hop === 'forwarded') {
            cluster.principalActive(key);
            return local();
          }
          return cluster.servePrincipal(req, res, r.raw, key, local, refuser(res, cors, body));
        }
        if (modern) return modern.handle(req, res, body, principal, cors, identity);
        throw unsupportedVersion(echoId(body), requestedVersion(req, body));
      }
    }
    if (sessionId === undefined) {
      if (method === 'POST' && isInitializeRequest(body)) return this.#start(r);
      throw refusal('SESSION_ID_REQUIRED', { id: echoId(body) });
    }
    const session = this.sessions.get(sessionId, principal);
    if (!session && cluster && hop === 'client') return cluster.serveElsewhere(req, res, r.raw, sessionId, refuser(res, cors, body));
    if (!session) throw refusal('SESSION_NOT_FOUND', { id: echoId(body) });
    cluster?.sessionActive(sessionId);
    if (Array.isArray(body) && !session.allowsBatches) throw refusal('BATCH_NOT_ALLOWED', { detail: session.protocolVersion });
    return session.handle(req, res, body, cors, direct, r.raw);
  }

  async #start(r: McpRequest): Promise<void> {
    const { req, res, body, cors } = r;
    const metrics = this.options.metrics;
    if (this.#retired) throw refusal('NOT_FOUND', { detail: this.prefix + this.options.endpoint });
    if (this.#ctx.draining()) {
      metrics?.session('refused');
      throw refusal('DRAINING', { id: echoId(body) });
    }
    // The session's first request gives its child the caller's identity, once (later ones cannot change it).
    const caller = this.#identityOn ? callerIdentity(this.options, r.principal, r.claims, req.headers, echoId(body)) : undefined;
    const cluster = this.#ctx.cluster();
    if (cluster && this.options.isolation === 'principal') {
      // Several instances: a principal's 2025 sessions meet on the instance holding its shared child,
      // placed like a 2026-07-28 principal (its own key space: the two never share a child).
      const key = sharedSessionsKey(caller?.key ?? principalChildKey(r.principal, {}));
      if (r.hop === 'forwarded') cluster.principalActive(key);
      else return cluster.servePrincipal(req, res, r.raw, key, () => this.#create(r, caller), refuser(res, cors, body));
    }
    return this.#create(r, caller);
  }

  async #create(r: McpRequest, caller: CallerIdentity | undefined): Promise<void> {
    const { req, res, body, cors, note } = r;
    const metrics = this.options.metrics;
    const session = this.sessions.create(r.principal, caller);
    if (!session) {
      this.#log.warn('session limit reached', { maxSessions: this.options.maxSessions });
      metrics?.session('refused');
      throw refusal('SESSION_LIMIT', { detail: this.options.maxSessions, id: echoId(body) });
    }
    if (note.enabled) note.session = session.id;
    const cluster = this.#ctx.cluster();
    if (cluster && !(await cluster.placeSession(session.id))) {
      void session.close('the session directory is unreachable', 'deleted');
      metrics?.session('refused');
      throw refusal('DIRECTORY_UNAVAILABLE', { detail: 'no new sessions until it is back', id: echoId(body) });
    }
    return session.handle(req, res, body, cors);
  }

  /** Ends everything it runs (once). */
  close(reason: string): Promise<void> {
    this.#closed ??= (async () => {
      this.retire();
      await this.#poolClosed;
      await Promise.all([this.sessions.closeAll(reason), this.legacySseSessions?.closeAll(reason), this.modern?.closeAll(reason)]);
    })();
    return this.#closed;
  }
}

/** A cluster refusal, answered from the same table as the proxy's own. */
const refuser = (res: ServerResponse, cors: Record<string, string>, body: unknown): Refuse => (code) => {
  if (!res.headersSent) answerRefusal(res, refusal(code, { id: echoId(body) }), cors);
};
