import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../shared/logger.js';
import type { ChildCommand } from './child/child-process.js';
import type { MetricsSink } from './telemetry/metrics-sink.js';
import type { TraceSink } from './telemetry/tracing-sink.js';
import type { ClusterOptions } from './cluster/cluster.js';

/**
 * What an authenticated request says about its caller, for --forward-claims / --forward-token. Never
 * logged. `sub`: the JWT `sub` (empty when the token has none), or a static token's fingerprint;
 * `iss`: the JWT `iss` (empty for static tokens); `token`: the raw bearer.
 */
export interface ForwardedClaims {
  sub: string;
  iss: string;
  scopes: string[];
  token: string;
}

/** The outcome of authenticating one HTTP request at the edge. */
export type EdgeAuthResult =
  | { ok: true; principal: string; claims?: ForwardedClaims }
  | { ok: false; status: number; headers: Record<string, string>; body: unknown };

/** Resource-server protection (static bearer tokens or OAuth); see src/proxy/auth. */
export interface EdgeAuthenticator {
  authenticate(req: IncomingMessage): Promise<EdgeAuthResult>;
  /** Serves RFC 9728 metadata and similar well-known documents; returns true when it answered. */
  serveWellKnown?(req: IncomingMessage, res: ServerResponse): boolean;
}

/** --allow-tools / --deny-tools: globs with `*` and `?`, case-sensitive; deny wins; empty allow = every tool. */
export interface ToolFilterSpec {
  allow: string[];
  deny: string[];
}

/** --header-to-env HEADER=VAR[!]: a request header's value put into the child's environment at spawn. */
export interface HeaderToEnvSpec {
  /** Lower-case header name. */
  header: string;
  variable: string;
  /** `!`: a request without the header is refused (400). */
  required: boolean;
}

/** --isolation: one child per 2025-era session (default), or one shared by all sessions of a principal. */
export type Isolation = 'session' | 'principal';

/** The legacy HTTP+SSE transport (2024-11-05 clients); absent with --no-sse. */
export interface LegacySseOptions {
  endpoint: string;
  messagesEndpoint: string;
}

export interface ProxyOptions {
  host: string;
  port: number;
  endpoint: string;
  healthPath: string;
  /** Readiness for load balancers: 503 while draining or stopping. */
  readyPath: string;
  /** Exact origins allowed besides same-origin requests (`*` for any). */
  allowedOrigins: string[];
  /** Extra Host names accepted when bound to loopback (e.g. a dev hostname mapped to 127.0.0.1). */
  allowedHosts: string[];
  maxBodyBytes: number;
  maxSessions: number;
  sessionTimeoutMs: number;
  requestTimeoutMs: number;
  killGraceMs: number;
  maxLineBytes: number;
  maxQueuedMessages: number;
  /** Children kept spawned, not initialized, for new sessions (0 = none). */
  prewarm: number;
  child: ChildCommand;
  /** Tools hidden from clients in both eras (#12). Absent = no filter. */
  toolFilter?: ToolFilterSpec;
  /** Request headers that become child environment variables (#12). */
  headerToEnv?: HeaderToEnvSpec[];
  /** MCP_PROXY_SUB / MCP_PROXY_ISS / MCP_PROXY_SCOPES for the child (needs auth). */
  forwardClaims?: boolean;
  /** MCP_PROXY_TOKEN: the caller's raw token for the child (explicit opt-in). */
  forwardToken?: boolean;
  /** Default 'session'. */
  isolation?: Isolation;
  /** GET /sse + POST /messages; absent = --no-sse. */
  legacySse?: LegacySseOptions;
  /** Per-session event store for resumable streams; absent = --no-event-store. */
  eventStore?: { maxEvents: number; maxBytes: number };
  /** SSE keep-alive comment interval; 0 disables. */
  keepAliveMs?: number;
  auth?: EdgeAuthenticator;
  /** Prometheus metrics at `metricsPath` (no token needed, like the health check). */
  metrics?: MetricsSink;
  metricsPath: string;
  /** OpenTelemetry spans, one per request to the endpoint. */
  tracing?: TraceSink;
  /** --redis-url: several instances as one (src/proxy/cluster); without it, behaviour is unchanged. */
  cluster?: ClusterOptions;
  version: string;
  logger: Logger;
  now: () => number;
}

export const PROXY_DEFAULTS = {
  host: '127.0.0.1',
  port: 3000,
  endpoint: '/mcp',
  healthPath: '/healthz',
  readyPath: '/readyz',
  metricsPath: '/metrics',
  maxBodyBytes: 4 * 1024 * 1024,
  maxSessions: 100,
  sessionTimeoutMs: 300_000,
  requestTimeoutMs: 60_000,
  killGraceMs: 5_000,
  maxLineBytes: 16 * 1024 * 1024,
  maxQueuedMessages: 1_000,
  prewarm: 0,
  sseEndpoint: '/sse',
  messagesEndpoint: '/messages',
  eventStoreSize: 1_000,
  eventStoreBytes: 8 * 1024 * 1024,
  keepAliveMs: 15_000,
  /** The ProxyOptions objects of the defaults above (on by default), so options spread from these defaults serve them. */
  legacySse: { endpoint: '/sse', messagesEndpoint: '/messages' },
  eventStore: { maxEvents: 1_000, maxBytes: 8 * 1024 * 1024 },
} as const;
