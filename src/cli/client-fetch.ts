/**
 * The single place where mcp-client's HTTP fetch is assembled, innermost first:
 *
 *   undici fetch (EnvHttpProxyAgent, connect/headers timeout, errors mapped)   ← createHttpFetch
 *     └ [OAuth: adds/refreshes the bearer token, re-logs-in on 401]            ← deps.wrapFetch
 *         └ static headers: --header (with ${VAR} expanded) and --bearer      ← withHeaders (outermost)
 *
 * The OAuth layer receives the *base* fetch, so its own discovery and token requests to an
 * authorization server never carry the user's static headers (meant for the MCP server only).
 * Static headers are only added when the request does not already have that header.
 * Everything that talks HTTP to the MCP server (bridge, shell commands) gets the result.
 */

import type { FetchLike } from '../shared/fetch-like.js';
import { createHttpFetch, type ProxySettings } from '../client/http/http-fetch.js';
import { buildStaticHeaders, withHeaders } from '../client/http/request-headers.js';
import type { ClientOptions, Env } from './client-options.js';

export interface ClientFetchDeps {
  /** The environment for `${VAR}` expansion and proxy settings (process env over .env). */
  env: Env;
  /** Wraps the base (proxy-aware, time-limited) fetch, e.g. the OAuth layer; identity when absent. */
  wrapFetch?: (base: FetchLike) => FetchLike;
}

export interface ClientFetch {
  fetch: FetchLike;
  close(): Promise<void>;
}

export function proxySettingsFrom(env: Env): ProxySettings {
  return {
    httpProxy: env.http_proxy ?? env.HTTP_PROXY ?? '',
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY ?? '',
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
  };
}

export function buildClientFetch(options: Pick<ClientOptions, 'timeoutMs' | 'headers' | 'bearer'>, deps: ClientFetchDeps): ClientFetch {
  const headers = buildStaticHeaders(options.headers, options.bearer, deps.env);
  const base = createHttpFetch({ timeoutMs: options.timeoutMs, proxy: proxySettingsFrom(deps.env) });
  const authed = deps.wrapFetch ? deps.wrapFetch(base.fetch) : base.fetch;
  return { fetch: withHeaders(authed, headers), close: base.close };
}
