/**
 * Classifies what went wrong when a message could not be delivered to the remote — the one place where
 * SDK transport errors (`SdkHttpError`, `SseError` and their status) are interpreted. The bridge decides
 * what to do from the returned kind alone; `toUserError` is the one mapping the CLI applies at its
 * boundary. Messages keep the server's own reason (a JSON-RPC error message or a short text body). Pure.
 */

import { SdkError, SdkErrorCode, SdkHttpError, SseError } from '@modelcontextprotocol/client';
import { ClientError, describeError, isClientError, typedCause, type OAuthFlowError } from '../../shared/errors.js';

/** What a user can be shown: our own typed errors only. */
export type UserError = ClientError | OAuthFlowError;

export type RemoteFailure =
  /** The server answered 404 for our session: it restarted or reaped the session. */
  | { kind: 'session-expired'; error: ClientError }
  /** Nothing reached the server (refused, reset, DNS): worth retrying with backoff. */
  | { kind: 'unreachable'; error: ClientError }
  /** The server does not speak Streamable HTTP at this URL (404/405 to the very first POST). */
  | { kind: 'not-streamable-http'; status: number; error: ClientError }
  /** Any other failure (an OAuth failure included): reported to the local client for this one message. */
  | { kind: 'failed'; error: UserError };

export interface FailureContext {
  /** Whether the transport holds a session id (a 404 then means the session is gone). */
  hasSession: boolean;
  /** Whether this was the first message sent on a fresh Streamable HTTP connection. */
  firstRequest: boolean;
}

/** The HTTP status an SDK transport error reports (SSE: the event source's status code). */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof SdkHttpError && typeof error.status === 'number') return error.status;
  if (error instanceof SseError && typeof error.code === 'number' && error.code >= 100) return error.code;
  return undefined;
}

const MAX_REASON = 300;

/** The server's own words in an error body: a JSON-RPC error's message, else a short one-line text. Pure. */
export function reasonFromBody(text: string | undefined): string | undefined {
  const body = text?.trim();
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    const error = parsed.error;
    if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
      return ((error as { message: string }).message.trim() || undefined)?.slice(0, MAX_REASON);
    }
    if (typeof error === 'string' && error.trim() !== '') return error.trim().slice(0, MAX_REASON);
    return undefined;
  } catch {
    // not JSON: plain text, unless it is a whole page
  }
  if (body.startsWith('<') || body.length > MAX_REASON || /[\r\n]/.test(body)) return undefined;
  return body;
}

function reasonOf(error: unknown): string | undefined {
  if (!(error instanceof SdkHttpError)) return undefined;
  const data = error.data as { text?: unknown } | undefined;
  return reasonFromBody(typeof data?.text === 'string' ? data.text : undefined);
}

/** The sentence for an HTTP refusal, with the server's reason when it gave one. */
export function httpStatusError(status: number, reason: string | undefined, cause?: unknown): ClientError {
  const said = reason ? `: ${reason}` : '';
  const options = cause === undefined ? undefined : { cause };
  if (status === 401 || status === 403) {
    return new ClientError('HTTP_STATUS', `remote refused the request (HTTP ${status}${said}); check --header/--bearer credentials`, options);
  }
  return new ClientError('HTTP_STATUS', `remote answered HTTP ${status}${said}`, options);
}

/** An SDK error with no status and none of ours inside: describe what it wraps, not the SDK's step name. */
function unknownFailure(error: unknown): ClientError {
  if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) {
    const ms = (error.data as { timeout?: unknown } | undefined)?.timeout;
    return new ClientError('TIMEOUT', `the remote did not answer${typeof ms === 'number' ? ` within ${Math.round(ms / 1000)}s` : ' in time'} (--timeout)`, { cause: error });
  }
  const inner = error instanceof SdkError && error.code === SdkErrorCode.EraNegotiationFailed && error.cause !== undefined ? error.cause : error;
  return new ClientError('PROTOCOL_ERROR', `the remote's answer could not be used (${describeError(inner)})`, { cause: error });
}

export function classifyRemoteFailure(error: unknown, context: FailureContext): RemoteFailure {
  const typed = typedCause(error);
  if (typed) return isClientError(typed, 'CONNECT_FAILED') ? { kind: 'unreachable', error: typed } : { kind: 'failed', error: typed };
  const status = httpStatusOf(error);
  if (status !== undefined) {
    if (status === 404 && context.hasSession) {
      return { kind: 'session-expired', error: new ClientError('SESSION_EXPIRED', 'remote session expired (HTTP 404)', { cause: error }) };
    }
    const wrapped = httpStatusError(status, reasonOf(error), error);
    if ((status === 404 || status === 405) && context.firstRequest && !context.hasSession) {
      return { kind: 'not-streamable-http', status, error: wrapped };
    }
    return { kind: 'failed', error: wrapped };
  }
  return { kind: 'failed', error: unknownFailure(error) };
}

/** The one mapping at the CLI boundary: whatever was thrown → a typed error with one clear line. */
export function toUserError(error: unknown): UserError {
  return classifyRemoteFailure(error, { hasSession: false, firstRequest: false }).error;
}

/** The message for a URL where neither transport found an MCP endpoint. */
export function noEndpointError(url: URL, status: number, cause?: unknown): ClientError {
  return new ClientError('NO_ENDPOINT', `no MCP endpoint at ${url.origin}${url.pathname} (HTTP ${status}); check the URL's path`, cause === undefined ? undefined : { cause });
}

/** True for the GET-stream failure that means the session is gone (seen via the transport's onerror). */
export function isStreamSessionExpiry(error: unknown): boolean {
  return error instanceof SdkHttpError && error.code === SdkErrorCode.ClientHttpFailedToOpenStream && error.status === 404;
}
