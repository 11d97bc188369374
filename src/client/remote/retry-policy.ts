/**
 * Backoff for an unreachable remote: exponential delays with a cap, for a bounded total time measured
 * from the start of the outage. Pure; the clock is injected.
 */

import { ClientError } from '../../shared/errors.js';

export interface RetryPolicy {
  /** Give up once the remote has been unreachable this long, milliseconds. */
  budgetMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { budgetMs: 60_000, initialDelayMs: 250, maxDelayMs: 5_000, factor: 2 };

/** Delay before retry number `attempt` (0-based). */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * Math.pow(policy.factor, Math.max(0, attempt)));
}

/**
 * The delay before the next attempt, or `undefined` when the budget is spent. The last delay is
 * shortened so that the final attempt happens at the end of the budget, not after it.
 */
export function nextRetryDelay(outageStartedAt: number, now: number, attempt: number, policy: RetryPolicy): number | undefined {
  const elapsed = now - outageStartedAt;
  const remaining = policy.budgetMs - elapsed;
  if (remaining <= 0) return undefined;
  return Math.min(backoffDelay(attempt, policy), remaining);
}

/** The real wait between attempts (tests inject their own). */
export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The one error every route reports when the outage budget is spent. */
export function remoteGoneError(url: URL, policy: RetryPolicy, cause: ClientError): ClientError {
  const seconds = Math.round(policy.budgetMs / 1000);
  return new ClientError('REMOTE_GONE', `remote ${url.origin} unreachable for ${seconds}s (${cause.message}); giving up`, { cause });
}
