/**
 * The base fetch: undici's own fetch on an `EnvHttpProxyAgent` (HTTP_PROXY / HTTPS_PROXY / NO_PROXY,
 * passed in explicitly by the CLI), with a connect + response-headers timeout. Response bodies are
 * streams (SSE) and have no idle timeout. undici errors are mapped here, once, to ClientError:
 * CONNECT_FAILED (retryable: nothing reached the server, or the connection dropped), TIMEOUT, or
 * REQUEST_FAILED (anything else undici refused, e.g. a blocked port).
 */

import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import { ClientError } from '../../shared/errors.js';
import type { FetchLike } from '../../shared/fetch-like.js';

export interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

export interface HttpFetchOptions {
  /** Connect + headers timeout, milliseconds. */
  timeoutMs: number;
  proxy: ProxySettings;
}

export interface HttpFetch {
  fetch: FetchLike;
  /** Closes pooled connections so the process can exit. */
  close(): Promise<void>;
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function codeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Maps a rejected undici fetch to a ClientError. Exported for unit tests. */
export function mapFetchFailure(error: unknown, target: URL, timedOut: boolean, timeoutMs: number): ClientError {
  const code = codeOf(error);
  if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new ClientError('TIMEOUT', `no response from ${target.origin} within ${Math.round(timeoutMs / 1000)}s`, { cause: error });
  }
  if (code !== undefined && CONNECT_CODES.has(code)) {
    return new ClientError('CONNECT_FAILED', `cannot reach ${target.origin} (${code})`, { cause: error });
  }
  const cause = (error as { cause?: unknown }).cause;
  const detail = code ?? (cause instanceof Error ? cause.message : undefined);
  return new ClientError('REQUEST_FAILED', `request to ${target.origin} failed${detail ? ` (${detail})` : ''}`, { cause: error });
}

export function createHttpFetch(options: HttpFetchOptions): HttpFetch {
  const { timeoutMs } = options;
  const dispatcher = new EnvHttpProxyAgent({
    httpProxy: options.proxy.httpProxy,
    httpsProxy: options.proxy.httpsProxy,
    noProxy: options.proxy.noProxy,
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: 0,
  });

  const fetch: FetchLike = async (input, init) => {
    const target = new URL(typeof input === 'string' ? input : input.href);
    const callerSignal = init?.signal ?? undefined;
    const timer = new AbortController();
    let timedOut = false;
    const handle = setTimeout(() => {
      timedOut = true;
      timer.abort();
    }, timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timer.signal]) : timer.signal;
    try {
      const response = await undiciFetch(target, { ...(init as object), signal, dispatcher } as Parameters<typeof undiciFetch>[1]);
      return response as unknown as Response;
    } catch (error) {
      if (callerSignal?.aborted) throw error;
      throw mapFetchFailure(error, target, timedOut, timeoutMs);
    } finally {
      clearTimeout(handle);
    }
  };

  return {
    fetch,
    close: async () => {
      await dispatcher.destroy().catch(() => undefined);
    },
  };
}
