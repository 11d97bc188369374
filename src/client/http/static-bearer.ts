/**
 * Tells a server that wants a static bearer token (mcp-proxy --auth-token, an API gateway) from an
 * OAuth-protected one before the OAuth layer starts a sign-in that cannot succeed: the MCP endpoint
 * answers 401 with a plain Bearer challenge (no RFC 9728 `resource_metadata`), neither
 * protected-resource metadata nor authorization-server metadata is published at the server's origin, and
 * there is no 2025-03-26 default authorization endpoint (`/authorize` at the origin answers 404).
 * Then the request fails with BEARER_REQUIRED, which says which flag to pass.
 */

import { authorizationServerMetadataUrls, protectedResourceMetadataUrls } from '../../oauth/discovery/discovery-urls.js';
import { parseBearerChallenge } from '../../oauth/discovery/www-authenticate.js';
import { ClientError } from '../../shared/errors.js';
import type { FetchLike } from '../../shared/fetch-like.js';

/** Pure: a 401 whose challenge gives no way to OAuth (Bearer without resource_metadata, or no challenge). */
export function isPlainBearerRefusal(status: number, wwwAuthenticate: string | null): boolean {
  if (status !== 401) return false;
  if (wwwAuthenticate === null || wwwAuthenticate.trim() === '') return true;
  const bearer = parseBearerChallenge(wwwAuthenticate);
  return bearer !== undefined && bearer.resourceMetadata === undefined;
}

function sameEndpoint(input: string | URL, server: URL): boolean {
  try {
    const url = new URL(typeof input === 'string' ? input : input.href);
    return url.origin === server.origin && url.pathname === server.pathname;
  } catch {
    return false;
  }
}

/** Whether any OAuth metadata document is served for this server; a request that fails counts as "maybe". */
async function publishesOAuthMetadata(fetch: FetchLike, server: URL, timeoutMs: number): Promise<boolean> {
  const candidates = [...protectedResourceMetadataUrls(server), ...authorizationServerMetadataUrls(new URL(server.origin)).map((c) => c.url)];
  for (const url of candidates) {
    try {
      const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
      const body = response.status === 200 ? ((await response.json().catch(() => undefined)) as unknown) : (await response.body?.cancel(), undefined);
      if (body !== null && typeof body === 'object' && !Array.isArray(body)) return true;
    } catch {
      return true; // cannot tell: let the OAuth layer try and report what it finds
    }
  }
  // A 2025-03-26 server may publish no metadata and serve the default endpoints at its origin.
  try {
    const response = await fetch(new URL('/authorize', server.origin), { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel().catch(() => undefined);
    return response.status !== 404;
  } catch {
    return true;
  }
}

export function bearerRequiredError(server: URL): ClientError {
  return new ClientError(
    'BEARER_REQUIRED',
    `${server.origin}${server.pathname} wants a bearer token (it answered 401 and publishes no OAuth metadata): pass --bearer <token> or --header "Authorization: Bearer <token>" (env MCP_CLIENT_ACCESS_TOKEN)`,
  );
}

/** Wraps the fetch the OAuth layer builds on; checks once per process, on the first plain 401 from the server. */
export function withStaticBearerCheck(fetch: FetchLike, server: URL, timeoutMs = 10_000): FetchLike {
  let verdict: Promise<boolean> | undefined;
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!sameEndpoint(input, server) || !isPlainBearerRefusal(response.status, response.headers.get('www-authenticate'))) return response;
    verdict ??= publishesOAuthMetadata(fetch, server, timeoutMs).then((found) => !found);
    if (!(await verdict)) return response;
    await response.body?.cancel().catch(() => undefined);
    throw bearerRequiredError(server);
  };
}
