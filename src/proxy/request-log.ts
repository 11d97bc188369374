import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../shared/logger.js';
import { requestOutcome, type MetricsSink } from './metrics-sink.js';

/** What the debug line of one HTTP request reports; filled in as the request is understood. */
export interface RequestNote {
  enabled: boolean;
  rpc?: string;
  session?: string;
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
export function watchRequest(req: IncomingMessage, res: ServerResponse, path: string, note: RequestNote, to: { log?: Logger; metrics?: MetricsSink }): void {
  const started = performance.now();
  res.once('close', () => {
    const seconds = (performance.now() - started) / 1000;
    to.metrics?.request(note.rpc ?? req.method ?? 'unknown', requestOutcome(res.statusCode, res.writableFinished), seconds);
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
