/**
 * Classifies what went wrong when a message could not be delivered to the remote — the one place where
 * SDK transport errors (`SdkHttpError` and its status) are interpreted. The bridge decides what to do
 * from the returned kind alone. Pure.
 */

import { SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { ClientError, describeError, isClientError } from '../shared/errors.js';

export type RemoteFailure =
  /** The server answered 404 for our session: it restarted or reaped the session. */
  | { kind: 'session-expired'; error: ClientError }
  /** Nothing reached the server (refused, reset, DNS): worth retrying with backoff. */
  | { kind: 'unreachable'; error: ClientError }
  /** The server does not speak Streamable HTTP at this URL (404/405 to the very first POST). */
  | { kind: 'not-streamable-http'; status: number; error: ClientError }
  /** Any other failure: reported to the local client for this one message. */
  | { kind: 'failed'; error: ClientError };

export interface FailureContext {
  /** Whether the transport holds a session id (a 404 then means the session is gone). */
  hasSession: boolean;
  /** Whether this was the first message sent on a fresh Streamable HTTP connection. */
  firstRequest: boolean;
}

function httpStatusOf(error: unknown): number | undefined {
  return error instanceof SdkHttpError && typeof error.status === 'number' ? error.status : undefined;
}

export function classifyRemoteFailure(error: unknown, context: FailureContext): RemoteFailure {
  if (isClientError(error, 'CONNECT_FAILED')) return { kind: 'unreachable', error };
  if (isClientError(error)) return { kind: 'failed', error };
  const status = httpStatusOf(error);
  if (status !== undefined) {
    const wrapped = new ClientError('HTTP_STATUS', `remote answered HTTP ${status}: ${describeError(error)}`, { cause: error });
    if (status === 404 && context.hasSession) {
      return { kind: 'session-expired', error: new ClientError('SESSION_EXPIRED', 'remote session expired (HTTP 404)', { cause: error }) };
    }
    if ((status === 404 || status === 405) && context.firstRequest && !context.hasSession) {
      return { kind: 'not-streamable-http', status, error: wrapped };
    }
    if (status === 401 || status === 403) {
      return { kind: 'failed', error: new ClientError('HTTP_STATUS', `remote refused the request (HTTP ${status}); check --header/--bearer credentials`, { cause: error }) };
    }
    return { kind: 'failed', error: wrapped };
  }
  return { kind: 'failed', error: new ClientError('PROTOCOL_ERROR', describeError(error), { cause: error }) };
}

/** True for the GET-stream failure that means the session is gone (seen via the transport's onerror). */
export function isStreamSessionExpiry(error: unknown): boolean {
  return error instanceof SdkHttpError && error.code === SdkErrorCode.ClientHttpFailedToOpenStream && error.status === 404;
}
