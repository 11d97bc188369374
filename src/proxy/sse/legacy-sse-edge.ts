import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonRequest } from '../http/json-content-type.js';
import { isMessage, type JsonRpcMessage } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import { readBody } from '../http/body-reader.js';
import { checkEdge, corsHeaders, preflightHeaders, type EdgePolicy } from '../http/edge-checks.js';
import { answerRefusal, ProxyRefusal, refusal } from '../http/refusals.js';
import { authenticateCaller } from '../auth/caller-auth.js';
import type { Capacity } from '../capacity.js';
import { PROXY_DEFAULTS, type EdgeAuthenticator, type ForwardedClaims, type LegacySseOptions, type ProxyOptions } from '../proxy-options.js';
import type { SessionOutcome } from '../telemetry/metrics-sink.js';
import type { AcquirePeer } from '../sessions/session-peer.js';
import { callerIdentity, identityConfigured, type CallerIdentity, type IdentityOptions } from '../identity/caller-identity.js';
import { LegacySseSessions } from './legacy-sse-sessions.js';
import { noteRequest, type RequestNote } from '../http/request-log.js';
import type { Cluster, Refuse } from '../cluster/cluster.js';
import { verifiedHop } from '../cluster/verified-hop.js';
import { principalChildKey, sharedSessionsKey } from '../identity/child-key.js';

export interface LegacySseEdgeOptions {
  paths: LegacySseOptions;
  policy: EdgePolicy;
  auth?: EdgeAuthenticator;
  /** --header-to-env / forwarded claims: the GET that opens a stream gives its child the caller's identity. */
  identity?: IdentityOptions;
  maxBodyBytes: number;
  sessions: LegacySseSessions;
  logger: Logger;
  /** Whether the proxy takes new sessions: a draining or stopping proxy refuses the GET (503). */
  state: () => 'serving' | 'draining' | 'stopping';
  /** Told of a refused session (the limit, a drain), as the Streamable HTTP edge tells the metrics. */
  refused?: () => void;
  maxSessions: number;
  /**
   * --redis-url: a new session is recorded as this instance's, and a POST for a session of another
   * instance is forwarded to it (a balancer without stickiness sends POSTs anywhere).
   */
  cluster?: () => Cluster | undefined;
  /**
   * --isolation principal: with a cluster, a new stream is opened on the instance holding its principal's
   * shared child (placed like a 2025 session's initialize), so one principal has one child in the cluster.
   */
  placeByPrincipal?: boolean;
}

export interface LegacySseEdge {
  /** Whether `path` is one of the two legacy SSE paths. */
  serves(path: string): boolean;
  /**
   * Serves a request to one of them; refusals are answered from the refusal table. `note`: what the
   * request log, metrics and traces are told of it (as of a request to the MCP endpoint).
   */
  handle(req: IncomingMessage, res: ServerResponse, path: string, note?: RequestNote): Promise<void>;
}

/**
 * The legacy HTTP+SSE transport (protocol 2024-11-05) as an edge of its own: `GET <sse endpoint>`
 * opens a session's stream and announces `<messages endpoint>?sessionId=…`; `POST` there delivers one
 * message (or a batch) and is answered 202. Each request passes the same checks as Streamable HTTP,
 * in the same order: Origin/Host (403), the proxy stopping (503), auth (on the GET and on every POST;
 * a POST is served only for the principal that opened the stream, any other gets 404), the method,
 * the body cap (413) and JSON (400). With --redis-url a POST whose session another instance holds is
 * forwarded there (the owner answers it, 202, and the messages go out on the stream it holds).
 */
/** The log fields of this edge's lines. */
const SSE = { transport: 'sse' };

export function createLegacySseEdge(opts: LegacySseEdgeOptions): LegacySseEdge {
  const { paths, logger: log } = opts;

  async function serve(req: IncomingMessage, res: ServerResponse, path: string, cors: Record<string, string>, note: RequestNote | undefined): Promise<void> {
    if (opts.state() === 'stopping') throw refusal('SHUTTING_DOWN');
    const caller = await authenticateCaller(opts.auth, req, res, cors);
    if (!caller) return;
    const { principal, claims } = caller;
    if (path === paths.endpoint) return await openStream(req, res, principal, claims, cors, note);
    return postMessage(req, res, principal, cors, note);
  }

  async function openStream(req: IncomingMessage, res: ServerResponse, principal: string | undefined, claims: ForwardedClaims | undefined, cors: Record<string, string>, note: RequestNote | undefined): Promise<void> {
    if (req.method !== 'GET') throw refusal('LEGACY_METHOD_NOT_ALLOWED', { headers: { Allow: 'GET, OPTIONS' } });
    if (opts.state() === 'draining') {
      opts.refused?.();
      throw refusal('DRAINING');
    }
    // The GET is the session's first request: its headers give the child the caller's identity, once.
    const caller = opts.identity && identityConfigured(opts.identity) ? callerIdentity(opts.identity, principal, claims, req.headers, null) : undefined;
    const cluster = opts.cluster?.();
    const hop = verifiedHop(cluster, req, log, SSE);
    const open = (): Promise<void> => openHere(res, principal, caller, cors, note);
    if (!cluster || !opts.placeByPrincipal) return open();
    // The principal's sessions meet on the instance holding its shared child (its own key space, as for /mcp).
    const key = sharedSessionsKey(caller?.key ?? principalChildKey(principal, {}));
    if (hop === 'forwarded') {
      cluster.principalActive(key);
      return open();
    }
    return cluster.servePrincipal(req, res, undefined, key, open, refuser(res, cors), req.url);
  }


  /** A new session with its stream on this instance (recorded in the directory with a cluster). */
  async function openHere(res: ServerResponse, principal: string | undefined, caller: CallerIdentity | undefined, cors: Record<string, string>, note: RequestNote | undefined): Promise<void> {
    const session = opts.sessions.create(principal, res, caller);
    if (!session) {
      log.warn('session limit reached', { maxSessions: opts.maxSessions, transport: 'sse' });
      opts.refused?.();
      throw refusal('SESSION_LIMIT', { detail: opts.maxSessions });
    }
    const cluster = opts.cluster?.();
    if (cluster && !(await cluster.placeSession(session.id))) {
      void session.close('the session directory is unreachable', 'deleted');
      opts.refused?.();
      throw refusal('DIRECTORY_UNAVAILABLE', { detail: 'no new sessions until it is back' });
    }
    if (note) noteRequest(note, undefined, session.id, principal);
    session.open(paths.messagesEndpoint, cors);
  }

  async function postMessage(req: IncomingMessage, res: ServerResponse, principal: string | undefined, cors: Record<string, string>, note: RequestNote | undefined): Promise<void> {
    if (req.method !== 'POST') throw refusal('LEGACY_METHOD_NOT_ALLOWED', { headers: { Allow: 'POST, OPTIONS' } });
    const sessionId = new URL(req.url ?? '/', 'http://localhost').searchParams.get('sessionId');
    if (sessionId === null || sessionId === '') throw refusal('SSE_SESSION_ID_REQUIRED');
    const cluster = opts.cluster?.();
    // A hop from another instance is served here and never forwarded again (no loops).
    const hop = verifiedHop(cluster, req, log, SSE);
    const session = opts.sessions.get(sessionId, principal);
    if (!session && !(cluster && hop === 'client')) throw refusal('SESSION_NOT_FOUND');
    if (!isJsonRequest(req.headers['content-type'])) throw refusal('UNSUPPORTED_MEDIA_TYPE');
    const read = await readBody(req, opts.maxBodyBytes);
    if (read.kind === 'too-large') throw refusal('BODY_TOO_LARGE', { detail: opts.maxBodyBytes });
    if (read.kind === 'aborted') return;
    let body: unknown;
    try {
      body = JSON.parse(read.text);
    } catch {
      throw refusal('PARSE_ERROR');
    }
    if (note) noteRequest(note, body, sessionId, principal);
    if (!session) {
      // Another instance's session, or none: the directory says which (its owner answers, or 404/503 here).
      return cluster!.serveElsewhere(req, res, read.text, sessionId, refuser(res, cors), req.url);
    }
    cluster?.sessionActive(sessionId);
    const messages: unknown[] = Array.isArray(body) ? body : [body];
    if (messages.length === 0 || !messages.every(isMessage)) throw refusal('INVALID_MESSAGE');
    res.writeHead(202, { ...cors, 'content-type': 'text/plain; charset=utf-8' });
    res.end('Accepted');
    for (const message of messages as JsonRpcMessage[]) session.deliver(message);
  }

  return {
    serves: (path) => path === paths.endpoint || path === paths.messagesEndpoint,
    async handle(req, res, path, note) {
      const verdict = checkEdge(opts.policy, { host: req.headers.host, origin: req.headers.origin });
      if (!verdict.ok) {
        const hint = verdict.check === 'origin' ? 'to allow this origin, start the proxy with --allow-origin <origin>' : 'to accept this Host name, start the proxy with --allow-host <hostname>';
        log.warn('request refused at the edge', { reason: verdict.reason, hint, transport: 'sse' });
        return answerRefusal(res, refusal('EDGE_REJECTED', { detail: verdict.reason }));
      }
      if (req.method === 'OPTIONS') {
        res.writeHead(204, verdict.corsOrigin ? preflightHeaders(verdict.corsOrigin) : {});
        res.end();
        return;
      }
      const cors = verdict.corsOrigin ? corsHeaders(verdict.corsOrigin) : {};
      try {
        await serve(req, res, path, cors, note);
      } catch (error) {
        if (error instanceof ProxyRefusal && !res.headersSent) return answerRefusal(res, error, cors);
        throw error;
      }
    },
  };
}

/** What the server shares with the legacy SSE edge: the one count, the edge policy, the children's source, its state. */
export interface LegacySseWiring {
  capacity: Capacity;
  policy: EdgePolicy;
  acquirePeer: AcquirePeer;
  state: LegacySseEdgeOptions['state'];
  /** Every session created, ended or refused (metrics, the prewarm pool, the directory); `id` unless refused. */
  observe: (event: SessionOutcome, id?: string) => void;
  /** --redis-url: the session directory and forwarding (src/proxy/cluster), once the proxy listens. */
  cluster?: () => Cluster | undefined;
}

/** The legacy SSE sessions and their edge, for one proxy's options. */
export function legacySseEdgeFor(opts: ProxyOptions, paths: LegacySseOptions, wiring: LegacySseWiring): { sessions: LegacySseSessions; edge: LegacySseEdge } {
  const sessions = new LegacySseSessions({
    capacity: wiring.capacity,
    sessionTimeoutMs: opts.sessionTimeoutMs,
    acquirePeer: wiring.acquirePeer,
    session: {
      command: opts.child.command, requestTimeoutMs: opts.requestTimeoutMs, keepAliveMs: opts.keepAliveMs ?? PROXY_DEFAULTS.keepAliveMs, now: opts.now,
      ...(opts.toolFilter ? { toolFilter: opts.toolFilter } : {}),
    },
    logger: opts.logger,
    observe: (event, id) => wiring.observe(event, id),
  });
  const edge = createLegacySseEdge({
    paths, policy: wiring.policy, ...(opts.auth ? { auth: opts.auth } : {}), identity: opts, maxBodyBytes: opts.maxBodyBytes, sessions, logger: opts.logger,
    maxSessions: opts.maxSessions, state: wiring.state, refused: () => wiring.observe('refused'),
    ...(wiring.cluster ? { cluster: wiring.cluster } : {}),
    placeByPrincipal: opts.isolation === 'principal',
  });
  return { sessions, edge };
}

/** A cluster refusal, answered from the refusal table unless the answer started. */
const refuser = (res: ServerResponse, cors: Record<string, string>): Refuse => (code) => {
  if (!res.headersSent) answerRefusal(res, refusal(code), cors);
};
