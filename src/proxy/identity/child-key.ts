import { createHash } from 'node:crypto';

/**
 * Which 2026-07-28 child serves a caller: its principal and the variables its headers give the child
 * (--header-to-env). Two callers share a child exactly when both are equal, so callers with different
 * header values never share one. Injective (a JSON array, variables in name order); forwarded claims
 * are not part of it: they come with the principal, and a token that changes on refresh must not
 * start another child.
 */
export function principalChildKey(principal: string | undefined, headerEnv: Readonly<Record<string, string>>): string {
  const names = Object.keys(headerEnv);
  if (names.length === 0) return JSON.stringify([principal ?? null]);
  names.sort();
  return JSON.stringify([principal ?? null, ...names.map((name) => [name, headerEnv[name]])]);
}

/**
 * With --isolation principal and --redis-url: the directory key under which a principal's 2025-era
 * sessions find the instance of their shared child. Its own key space, apart from the 2026-07-28
 * principals' (`childKey`), which never share a child with 2025 sessions. Pure.
 */
export function sharedSessionsKey(childKey: string): string {
  return JSON.stringify(['2025-sessions', childKey]);
}

/** The key of the anonymous callers without header values: one child for all of them. */
const ANONYMOUS_KEY = principalChildKey(undefined, {});

/**
 * What may leave the process of a child key (the cluster directory): 32 hex digits of its SHA-256, never
 * the identity or a header value; `anonymous` for the anonymous callers without header values.
 */
export function childKeyFingerprint(key: string): string {
  if (key === ANONYMOUS_KEY) return 'anonymous';
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}
