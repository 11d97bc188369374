/**
 * The single place where mcp-client's HTTP fetch is assembled:
 *
 *   undici fetch (EnvHttpProxyAgent, connect/headers timeout, errors mapped)   ← createHttpFetch
 *     └ static headers: --header (with ${VAR} expanded) and --bearer           ← withHeaders
 *         └ [OAuth: adds/refreshes the bearer token, re-logs-in on 401]       ← deps.wrapFetch (later issue)
 *
 * Everything that talks HTTP (bridge, shell commands) gets the result.
 */

import type { FetchLike } from '../client/fetch-types.js';
import { createHttpFetch, type ProxySettings } from '../client/http-fetch.js';
import { buildStaticHeaders, withHeaders } from '../client/request-headers.js';
import type { ClientOptions, Env } from './client-options.js';

export interface ClientFetchDeps {
  /** The environment for `${VAR}` expansion and proxy settings (process env over .env). */
  env: Env;
  /** Outermost wrapper, e.g. the OAuth layer; identity when absent. */
  wrapFetch?: (fetch: FetchLike) => FetchLike;
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
  const withStatic = withHeaders(base.fetch, headers);
  return { fetch: deps.wrapFetch ? deps.wrapFetch(withStatic) : withStatic, close: base.close };
}
