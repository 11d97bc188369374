import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../shared/logger.js';
import { headerValue } from './header-value.js';
import { requestOutcome, type MetricsSink } from '../telemetry/metrics-sink.js';
import type { TraceSink } from '../telemetry/tracing-sink.js';

/** What the debug line of one HTTP request reports; filled in as the request is understood. */
export interface RequestNote {
  enabled: boolean;
  /** Traces are on: they want the request's details (noteRequest). */
  details?: boolean;
  rpc?: string;
  session?: string;
  /** For traces: the tool or prompt named, the request id, `_meta` trace context, the principal's fingerprint. */
  target?: string;
  requestId?: string | number;
  metaTraceparent?: string;
  metaTracestate?: string;
  principal?: string;
}

/** Fills in what a trace reports of a single JSON-RPC request body (a batch reports its methods only). */
export function noteMessage(note: RequestNote, body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const m = body as { id?: unknown; params?: { name?: unknown; _meta?: Record<string, unknown> } };
  if (typeof m.id === 'string' || typeof m.id === 'number') note.requestId = m.id;
  if (typeof m.params?.name === 'string') note.target = m.params.name;
  const meta = m.params?._meta;
  if (typeof meta?.traceparent === 'string') note.metaTraceparent = meta.traceparent;
  if (typeof meta?.tracestate === 'string') note.metaTracestate = meta.tracestate;
}

/** What traces show of a principal: 16 hex digits of its SHA-256, so a trace never carries an identity or token. */
export function principalFingerprint(principal: string): string {
  return createHash('sha256').update(principal).digest('hex').slice(0, 16);
}

/**
 * Notes what an MCP request carried, for whoever watches it (`note.enabled`): its JSON-RPC method(s), its
 * session, and for traces (`note.details`) the request's id, target and `_meta` trace context and the principal.
 */
export function noteRequest(note: RequestNote, body: unknown, session: string | undefined, principal: string | undefined): void {
  if (!note.enabled) return;
  note.rpc = rpcMethods(body);
  if (session !== undefined) note.session = session;
  if (note.details !== true) return;
  noteMessage(note, body);
  if (principal !== undefined) note.principal = principalFingerprint(principal);
}

/** The JSON-RPC method(s) a body carries, for the log: `tools/call`, `response`, or a batch joined by commas. */
export function rpcMethods(body: unknown): string | undefined {
  const one = (m: unknown): string => {
    if (typeof m !== 'object' || m === null) return 'invalid';
    const method = (m as { method?: unknown }).method;
    return typeof method === 'string' ? method : 'response';
  };
  if (body === undefined) return undefined;
  return Array.isArray(body) ? body.map(one).join(',') : one(body);
}

/**
 * When the response is done (for an SSE answer: when its stream ends), logs one debug line (HTTP method,
 * path, JSON-RPC method, session — its first 8 characters, as every session log line shows it — status
 * and duration) and records the request in the metrics. Attached only when one of them is on.
 */
export function watchRequest(req: IncomingMessage, res: ServerResponse, path: string, note: RequestNote, to: { log?: Logger; metrics?: MetricsSink; tracing?: TraceSink }): void {
  const started = performance.now();
  const startedAt = Date.now();
  res.once('close', () => {
    const seconds = (performance.now() - started) / 1000;
    const outcome = requestOutcome(res.statusCode, res.writableFinished);
    to.metrics?.request(note.rpc ?? req.method ?? 'unknown', outcome, seconds);
    if (to.tracing) {
      const created = res.getHeader('mcp-session-id');
      const version = headerValue(req.headers, 'mcp-protocol-version');
      const traceparent = headerValue(req.headers, 'traceparent');
      const tracestate = headerValue(req.headers, 'tracestate');
      const session = note.session ?? (typeof created === 'string' ? created : undefined);
      to.tracing.record({
        startedAt, endedAt: startedAt + seconds * 1000, httpMethod: req.method ?? 'GET', status: res.statusCode, outcome,
        ...(note.rpc ? { rpc: note.rpc } : {}), ...(note.target ? { target: note.target } : {}), ...(note.requestId !== undefined ? { requestId: note.requestId } : {}),
        ...(session ? { session } : {}), ...(version ? { protocolVersion: version } : {}), ...(note.principal ? { principal: note.principal } : {}),
        ...(traceparent ? { traceparent } : {}), ...(tracestate ? { tracestate } : {}),
        ...(note.metaTraceparent ? { metaTraceparent: note.metaTraceparent } : {}), ...(note.metaTracestate ? { metaTracestate: note.metaTracestate } : {}),
      });
    }
    const log = to.log;
    if (!log) return;
    const created = res.getHeader('mcp-session-id');
    const session = note.session ?? (typeof created === 'string' ? created : undefined);
    log.debug('request', {
      http: req.method,
      path,
      ...(note.rpc ? { rpc: note.rpc } : {}),
      ...(session ? { session: session.slice(0, 8) } : {}),
      status: res.statusCode,
      ms: Math.round(seconds * 10_000) / 10,
      ...(res.writableFinished ? {} : { aborted: true }),
    });
  });
}
