/**
 * When to use, refresh or replace a token, and how often to retry. Pure functions of their inputs (time is
 * passed in), unit-tested without mocks.
 */
import type { BearerChallenge } from './discovery/www-authenticate.js';
import { scopeSatisfies } from './scope.js';

export interface TokenSet {
  access_token: string;
  token_type?: string;
  refresh_token?: string;
  scope?: string;
  /** Epoch milliseconds; absent when the server did not say. */
  expires_at?: number;
  /** Epoch milliseconds at which the token was obtained. */
  obtained_at?: number;
}

/** What to do for a token: hand out the one held, refresh it, or get a new authorization (login or grant). */
export type TokenAction = 'use' | 'refresh' | 'login';

export interface TokenDecisionInput {
  tokens: TokenSet | undefined;
  now: number;
  /** Refresh this long before `expires_at` (capped at half the token's lifetime). */
  skewMs: number;
  /** An access token the resource server just refused: never hand it out again. */
  rejected?: string;
  /** A new authorization whatever is held (--login). */
  forceLogin?: boolean;
  /** Step-up: the token must carry these scopes; a refresh cannot widen the scope, so only a login can add them. */
  stepUpScope?: string;
}

export const DEFAULT_EXPIRY_SKEW_MS = 60_000;

/** Whether the token is due for a proactive refresh at `now`. */
export function isExpiring(tokens: TokenSet, now: number, skewMs: number): boolean {
  if (tokens.expires_at === undefined) return false;
  const lifetime = tokens.obtained_at !== undefined ? tokens.expires_at - tokens.obtained_at : Number.POSITIVE_INFINITY;
  const skew = Math.max(0, Math.min(skewMs, lifetime / 2));
  return now >= tokens.expires_at - skew;
}

/** The one decision the token session switches on, before and after it takes the lock. */
export function decideTokenAction(input: TokenDecisionInput): TokenAction {
  const { tokens } = input;
  if (!tokens || input.forceLogin) return 'login';
  const stale = !tokens.access_token || tokens.access_token === input.rejected || isExpiring(tokens, input.now, input.skewMs);
  if (input.stepUpScope !== undefined) return !stale && scopeSatisfies(tokens.scope, input.stepUpScope) ? 'use' : 'login';
  if (!stale) return 'use';
  return tokens.refresh_token ? 'refresh' : 'login';
}

export type RejectionAction = 'refresh' | 'step-up' | 'none';

/**
 * What a 401/403 from the MCP server asks for: 401 → get a fresh token (refresh, else log in); 403 with
 * `insufficient_scope` → log in again with the wider scope; anything else is not ours to fix.
 */
export function classifyRejection(status: number, challenge: BearerChallenge | undefined): RejectionAction {
  if (status === 401) return 'refresh';
  if (status === 403 && challenge?.error === 'insufficient_scope') return 'step-up';
  return 'none';
}

export type RefreshFailureAction = 'retry' | 'relogin' | 'fail';

/** A refresh that failed with `code` on attempt `attempt` (0-based) of `maxAttempts`: what next? */
export function classifyRefreshFailure(code: string, attempt: number, maxAttempts: number): RefreshFailureAction {
  if (code === 'INVALID_GRANT' || code === 'INVALID_CLIENT') return 'relogin';
  if (code === 'AUTH_SERVER_UNAVAILABLE') return attempt + 1 < maxAttempts ? 'retry' : 'fail';
  return 'fail';
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 4_000 };
export const MAX_REFRESH_ATTEMPTS = 3;

/** Exponential backoff without jitter (callers are few; determinism keeps it testable). */
export function retryDelayMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
}
