/**
 * Typed errors, one class per domain. Each carries a string `code` from a closed union and an optional
 * `cause`. Third-party errors are mapped into these once, at the boundary where they arise; callers
 * branch on `code`, never on `message`.
 */

/**
 * What the proxy refuses at the HTTP level; each is answered from one table (src/proxy/http/refusals.ts)
 * that gives its status, JSON-RPC code, message and headers.
 */
export type ProxyRefusalCode =
  | 'EDGE_REJECTED'
  | 'SHUTTING_DOWN'
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'BODY_TOO_LARGE'
  | 'PARSE_ERROR'
  | 'ERA_UNSUPPORTED'
  | 'HEADER_MISMATCH'
  | 'DRAINING'
  | 'SESSION_LIMIT'
  | 'SESSION_ID_REQUIRED'
  | 'SESSION_NOT_FOUND'
  | 'BATCH_NOT_ALLOWED'
  | 'NOT_FOUND'
  | 'REQUEST_CLOSED'
  | 'INTERNAL'
  /** --header-to-env: a required header is missing, or a value is too long or has control characters. */
  | 'IDENTITY_HEADER'
  // --redis-url (src/proxy/cluster)
  | 'CLUSTER_STARTING'
  | 'CLUSTER_FORGED'
  | 'DIRECTORY_UNAVAILABLE'
  | 'OWNER_UNAVAILABLE'
  // resumability and the legacy HTTP+SSE transport (src/proxy/sse)
  | 'EVENTS_GONE'
  | 'SSE_SESSION_ID_REQUIRED'
  | 'INVALID_MESSAGE'
  | 'LEGACY_METHOD_NOT_ALLOWED';

export type ProxyErrorCode =
  | 'CHILD_SPAWN_FAILED'
  | 'CHILD_START_FAILED'
  | 'LISTEN_FAILED'
  | 'CONFIG_INVALID'
  /** --redis-url: Redis cannot be reached (at start, or for a directory operation). */
  | 'CLUSTER_UNAVAILABLE'
  | ProxyRefusalCode;

export type ClientErrorCode =
  | 'CONNECT_FAILED'
  | 'REMOTE_GONE'
  | 'INSECURE_URL'
  | 'BAD_ARGUMENTS'
  | 'UNKNOWN_TOOL'
  | 'TOOL_ERROR'
  | 'PROTOCOL_ERROR'
  | 'CONFIG_INVALID'
  | 'TIMEOUT'
  | 'SESSION_EXPIRED'
  | 'HTTP_STATUS'
  | 'REMOTE_CLOSED'
  | 'REQUEST_FAILED'
  /** The server refused us with a plain Bearer challenge and publishes no OAuth metadata: it wants a static token. */
  | 'BEARER_REQUIRED'
  /** Nothing at the URL speaks MCP (404/405 to Streamable HTTP and to legacy SSE). */
  | 'NO_ENDPOINT';

export type OAuthErrorCode =
  | 'DISCOVERY_FAILED'
  | 'METADATA_INVALID'
  | 'ISSUER_MISMATCH'
  | 'RESOURCE_MISMATCH'
  | 'PKCE_UNSUPPORTED'
  | 'INSECURE_ENDPOINT'
  | 'REGISTRATION_FAILED'
  | 'REGISTRATION_UNSUPPORTED'
  | 'AUTHORIZATION_DENIED'
  | 'STATE_MISMATCH'
  | 'CALLBACK_TIMEOUT'
  | 'TOKEN_REQUEST_FAILED'
  | 'INVALID_GRANT'
  | 'INVALID_CLIENT'
  | 'INSUFFICIENT_SCOPE'
  | 'STORE_CORRUPT'
  | 'STORE_IO'
  | 'LOCK_TIMEOUT'
  | 'LOGIN_REQUIRED'
  | 'AUTH_SERVER_UNAVAILABLE'
  | 'MANAGEMENT_UNSUPPORTED'
  | 'UNSAFE_BROWSER_URL'
  | 'ABORTED'
  // machine-to-machine and headless grants (client credentials, device code)
  | 'CLIENT_KEY_INVALID'
  | 'GRANT_UNSUPPORTED'
  | 'DEVICE_CODE_EXPIRED'
  /** The loopback callback server could not listen (e.g. --callback-port is taken). */
  | 'CALLBACK_LISTEN_FAILED'
  /** Anything else that broke inside a sign-in, mapped once by the CLI. */
  | 'SIGN_IN_FAILED';

abstract class CodedError<C extends string> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export class ProxyError extends CodedError<ProxyErrorCode> {
  override readonly name = 'ProxyError';
}

export class ClientError extends CodedError<ClientErrorCode> {
  override readonly name = 'ClientError';
}

export class OAuthFlowError extends CodedError<OAuthErrorCode> {
  override readonly name = 'OAuthFlowError';
}

export function isProxyError(error: unknown, code?: ProxyErrorCode): error is ProxyError {
  return error instanceof ProxyError && (code === undefined || error.code === code);
}

export function isClientError(error: unknown, code?: ClientErrorCode): error is ClientError {
  return error instanceof ClientError && (code === undefined || error.code === code);
}

export function isOAuthFlowError(error: unknown, code?: OAuthErrorCode): error is OAuthFlowError {
  return error instanceof OAuthFlowError && (code === undefined || error.code === code);
}

/**
 * Our own typed error on the cause chain of `error`, if any: the SDK wraps what a fetch threw (an OAuth
 * failure, an unreachable host) in its own errors and keeps the original as `cause`.
 */
export function typedCause(error: unknown): ClientError | OAuthFlowError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth += 1) {
    if (current instanceof ClientError || current instanceof OAuthFlowError) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/** The Node errno code (ENOENT, EADDRINUSE, …) of an error or of one of its causes. */
export function errnoOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 4; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A one-line description of any thrown value, for user-facing messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
