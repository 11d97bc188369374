import type { ServerResponse } from 'node:http';
import { ProxyError, type ProxyRefusalCode } from '../../shared/errors.js';
import { errorResponse, INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR, SERVER_ERROR, SESSION_NOT_FOUND, type JsonRpcId } from '../../shared/jsonrpc.js';
import { UNSUPPORTED_PROTOCOL_VERSION } from '../../relay/eras/protocol.js';
import { sendJson } from './web-bridge.js';

/** The spec's HeaderMismatch error (2026-07-28, basic/transports/streamable-http § Server Validation). */
export const HEADER_MISMATCH = -32020;

export interface RefusalSpec {
  readonly status: number;
  readonly rpcCode: number;
  /** The message the client reads; `detail` is what the throwing site knows (a limit, a reason, a path). */
  readonly message: (detail: string) => string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Every HTTP-level refusal of the proxy, keyed by its error code: the one place its answer is decided. */
export const REFUSALS: Readonly<Record<ProxyRefusalCode, RefusalSpec>> = {
  EDGE_REJECTED: { status: 403, rpcCode: SERVER_ERROR, message: (reason) => `Forbidden: ${reason}` },
  SHUTTING_DOWN: { status: 503, rpcCode: SERVER_ERROR, message: () => 'Proxy is shutting down', headers: { 'Retry-After': '1', Connection: 'close' } },
  METHOD_NOT_ALLOWED: { status: 405, rpcCode: SERVER_ERROR, message: () => 'Method not allowed', headers: { Allow: 'GET, POST, DELETE, OPTIONS' } },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, rpcCode: SERVER_ERROR, message: () => 'Unsupported Media Type: Content-Type must be application/json' },
  BODY_TOO_LARGE: { status: 413, rpcCode: SERVER_ERROR, message: (max) => `Payload Too Large: the body exceeds ${max} bytes`, headers: { Connection: 'close' } },
  PARSE_ERROR: { status: 400, rpcCode: PARSE_ERROR, message: () => 'Parse error: the body is not valid JSON' },
  ERA_UNSUPPORTED: { status: 400, rpcCode: UNSUPPORTED_PROTOCOL_VERSION, message: (requested) => `Unsupported protocol version: ${requested || 'unknown'}` },
  HEADER_MISMATCH: { status: 400, rpcCode: HEADER_MISMATCH, message: (what) => `Header mismatch: ${what}` },
  DRAINING: {
    status: 503, rpcCode: SERVER_ERROR, headers: { 'Retry-After': '1' },
    message: () => 'This proxy instance is draining and takes no new sessions; retry (another instance may serve you)',
  },
  SESSION_LIMIT: { status: 503, rpcCode: SERVER_ERROR, message: (max) => `Too many sessions: the limit of ${max} is reached; retry later`, headers: { 'Retry-After': '5' } },
  SESSION_ID_REQUIRED: { status: 400, rpcCode: SERVER_ERROR, message: () => 'Bad Request: Mcp-Session-Id header is required' },
  SESSION_NOT_FOUND: { status: 404, rpcCode: SESSION_NOT_FOUND, message: () => 'Session not found' },
  BATCH_NOT_ALLOWED: { status: 400, rpcCode: INVALID_REQUEST, message: (version) => `Invalid Request: JSON-RPC batches are not allowed in protocol version ${version}` },
  NOT_FOUND: { status: 404, rpcCode: SERVER_ERROR, message: (endpoint) => `Not Found: the MCP endpoint is ${endpoint}` },
  REQUEST_CLOSED: { status: 499, rpcCode: SERVER_ERROR, message: () => 'Request closed' },
  IDENTITY_HEADER: { status: 400, rpcCode: INVALID_REQUEST, message: (what) => `Bad Request: ${what}` },
  INTERNAL: { status: 500, rpcCode: INTERNAL_ERROR, message: (what) => (what ? `Internal error: ${what}` : 'Internal error in the proxy') },
  CLUSTER_STARTING: { status: 503, rpcCode: SERVER_ERROR, message: () => 'Proxy is starting (connecting to the session directory)', headers: { 'Retry-After': '1' } },
  CLUSTER_FORGED: { status: 403, rpcCode: SERVER_ERROR, message: () => 'Forbidden: bad cluster secret' },
  DIRECTORY_UNAVAILABLE: {
    status: 503, rpcCode: SERVER_ERROR, headers: { 'Retry-After': '1' },
    message: (what) => `Service Unavailable: the session directory (Redis) is unreachable; ${what || 'retry'}`,
  },
  OWNER_UNAVAILABLE: { status: 503, rpcCode: SERVER_ERROR, message: () => 'Service Unavailable: the instance serving this session did not answer; retry', headers: { 'Retry-After': '1' } },
  EVENTS_GONE: {
    status: 400, rpcCode: SERVER_ERROR,
    message: () => 'Events gone: the events after this Last-Event-ID are no longer kept (an unknown id, or evicted from the session\'s event store); open a new stream without Last-Event-ID',
  },
  SSE_SESSION_ID_REQUIRED: { status: 400, rpcCode: SERVER_ERROR, message: () => 'Bad Request: the sessionId query parameter is required (the endpoint event of the SSE stream gives the URL)' },
  INVALID_MESSAGE: { status: 400, rpcCode: INVALID_REQUEST, message: () => 'Invalid Request: the body is not a JSON-RPC message' },
  // The `Allow` header comes with the refusal (the legacy SSE paths each take one method).
  LEGACY_METHOD_NOT_ALLOWED: { status: 405, rpcCode: SERVER_ERROR, message: () => 'Method not allowed' },
};

export interface RefusalContext {
  /** What the message names (see each entry of REFUSALS). */
  detail?: string | number;
  /** The id of the request refused, when the body was one request. */
  id?: JsonRpcId | null;
  /** Headers the answer carries besides the table's and the request's (CORS). */
  headers?: Record<string, string>;
  data?: unknown;
}

/** A refusal, thrown where it is decided and answered once, at the request boundary (server.ts). */
export class ProxyRefusal extends ProxyError {
  declare readonly code: ProxyRefusalCode;
  readonly context: RefusalContext;
  constructor(code: ProxyRefusalCode, context: RefusalContext = {}) {
    super(code, REFUSALS[code].message(context.detail === undefined ? '' : String(context.detail)));
    this.context = context;
  }
}

export function refusal(code: ProxyRefusalCode, context?: RefusalContext): ProxyRefusal {
  return new ProxyRefusal(code, context);
}

/** The status, headers and body that answer `refused`; `headers` are the request's own (CORS). */
export function refusalAnswer(refused: ProxyRefusal, headers?: Record<string, string>): { status: number; headers: Record<string, string>; body: ReturnType<typeof errorResponse> } {
  const spec = REFUSALS[refused.code];
  return {
    status: spec.status,
    headers: { ...headers, ...refused.context.headers, ...spec.headers },
    body: errorResponse(refused.context.id ?? null, spec.rpcCode, refused.message, refused.context.data),
  };
}

export function answerRefusal(res: ServerResponse, refused: ProxyRefusal, requestHeaders?: Record<string, string>): void {
  const { status, headers, body } = refusalAnswer(refused, requestHeaders);
  sendJson(res, status, body, headers);
}
