/** The fetch seam shared by the OAuth modules: injected implementation, per-request timeout, caller's signal. */

import type { FetchLike } from '../shared/fetch-like.js';


export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

export interface HttpContext {
  fetch: FetchLike;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Combines the per-request timeout with the caller's (and the request's own) AbortSignal. */
export function requestSignal(ctx: HttpContext, own?: AbortSignal | null): AbortSignal {
  const signals = [AbortSignal.timeout(ctx.timeoutMs)];
  if (ctx.signal) signals.push(ctx.signal);
  if (own) signals.push(own);
  return AbortSignal.any(signals);
}

export function timedFetch(ctx: HttpContext, url: string | URL, init: RequestInit = {}): Promise<Response> {
  return ctx.fetch(url, { redirect: 'manual', ...init, signal: requestSignal(ctx, init.signal) });
}

/** Reads a JSON object body, or undefined when the body is not a JSON object. */
export async function readJsonObject(response: Response): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = await response.json();
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
