/**
 * The one place where third-party errors (openid-client / oauth4webapi, undici, AbortSignal) become
 * OAuthFlowError. Branches only on classes, `code`, `error` and `status` — never on messages.
 */
import * as oidc from 'openid-client';
import { OAuthFlowError, type OAuthErrorCode } from '../shared/errors.js';

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** Timeouts, aborts, refused connections and 5xx are worth retrying; everything else is not. */
export function isAbort(error: unknown): boolean {
  const name = field(error, 'name');
  return name === 'AbortError';
}

function isTransportFailure(error: unknown): boolean {
  const name = field(error, 'name');
  if (name === 'TimeoutError') return true;
  // undici: `TypeError: fetch failed` with a system error (ECONNREFUSED, ECONNRESET, UND_ERR_*) as cause.
  if (error instanceof TypeError && field(error, 'cause') !== undefined) return true;
  const code = field(error, 'code');
  return typeof code === 'string' && (code.startsWith('UND_ERR') || code.startsWith('ECONN') || code === 'ETIMEDOUT');
}

export interface MapContext {
  /** Code to use when nothing more specific applies. */
  fallback: OAuthErrorCode;
  /** What was being attempted, for the one-line message. */
  action: string;
}

export function mapOAuthError(error: unknown, ctx: MapContext): OAuthFlowError {
  if (error instanceof OAuthFlowError) return error;
  if (isAbort(error)) return new OAuthFlowError('ABORTED', `${ctx.action} was cancelled`, { cause: error });
  if (error instanceof oidc.ResponseBodyError) {
    const status = error.status;
    const oauthError = typeof error.error === 'string' ? error.error : 'unknown_error';
    if (oauthError === 'invalid_grant') {
      return new OAuthFlowError('INVALID_GRANT', `${ctx.action}: the authorization server rejected the grant (invalid_grant); log in again`, { cause: error });
    }
    if (oauthError === 'invalid_client') {
      return new OAuthFlowError('INVALID_CLIENT', `${ctx.action}: the authorization server does not accept this client (invalid_client, HTTP ${status})`, { cause: error });
    }
    if (oauthError === 'invalid_target') {
      return new OAuthFlowError(ctx.fallback, `${ctx.action}: the authorization server rejects the resource parameter (invalid_target); try --no-resource`, { cause: error });
    }
    if (status >= 500) {
      return new OAuthFlowError('AUTH_SERVER_UNAVAILABLE', `${ctx.action}: authorization server error ${status} (${oauthError})`, { cause: error });
    }
    return new OAuthFlowError(ctx.fallback, `${ctx.action}: ${oauthError} (HTTP ${status})`, { cause: error });
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError && error.status === 401) {
    // RFC 6749 §5.2: a 401 from the token endpoint is a failed client authentication.
    return new OAuthFlowError('INVALID_CLIENT', `${ctx.action}: the authorization server does not accept this client (HTTP 401)`, { cause: error });
  }
  if (error instanceof oidc.AuthorizationResponseError) {
    if (error.error === 'invalid_target') {
      return new OAuthFlowError('AUTHORIZATION_DENIED', `${ctx.action}: the authorization server rejects the resource parameter (invalid_target); try --no-resource`, { cause: error });
    }
    return new OAuthFlowError('AUTHORIZATION_DENIED', `${ctx.action}: authorization failed with ${String(error.error)}`, { cause: error });
  }
  if (error instanceof oidc.ClientError) {
    const attribute = field(field(error, 'cause'), 'attribute') ?? field(field(error, 'cause'), 'claim');
    if (error.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED' && attribute === 'iss') {
      return new OAuthFlowError('ISSUER_MISMATCH', `${ctx.action}: the callback's iss does not match the authorization server`, { cause: error });
    }
    if (error.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED' && attribute === 'state') {
      return new OAuthFlowError('STATE_MISMATCH', `${ctx.action}: state mismatch`, { cause: error });
    }
    if (error.code === 'OAUTH_HTTP_REQUEST_FORBIDDEN' || error.code === 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN') {
      return new OAuthFlowError('INSECURE_ENDPOINT', `${ctx.action}: refused a non-https endpoint`, { cause: error });
    }
    const response = field(error, 'cause');
    const status = field(response, 'status');
    if (error.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' && typeof status === 'number' && status >= 500) {
      return new OAuthFlowError('AUTH_SERVER_UNAVAILABLE', `${ctx.action}: authorization server error ${status}`, { cause: error });
    }
    const suffix = typeof status === 'number' ? ` (HTTP ${status})` : '';
    return new OAuthFlowError(ctx.fallback, `${ctx.action}: unexpected response from the authorization server${suffix}`, { cause: error });
  }
  if (isTransportFailure(error)) {
    return new OAuthFlowError('AUTH_SERVER_UNAVAILABLE', `${ctx.action}: authorization server unreachable or timed out`, { cause: error });
  }
  return new OAuthFlowError(ctx.fallback, `${ctx.action} failed`, { cause: error });
}

/** HTTP status carried by an openid-client error whose cause is the Response (e.g. discovery 404). */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof oidc.ResponseBodyError) return error.status;
  const status = field(field(error, 'cause'), 'status');
  return typeof status === 'number' ? status : undefined;
}
