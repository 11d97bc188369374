/**
 * Which URLs discovery tries, in which order, and how a discovered `resource` is matched. Pure; unit-tested.
 * Orders follow the MCP 2025-11-25 authorization spec (RFC 9728 §3.1, RFC 8414 §3.1, OIDC Discovery §4).
 */

function trimmedPath(url: URL): string {
  return url.pathname.replace(/\/+$/, '');
}

/**
 * Protected-resource metadata locations: the header's `resource_metadata` alone when given, else the
 * path-specific well-known URL, then the root one.
 */
export function protectedResourceMetadataUrls(serverUrl: URL, fromHeader?: string): URL[] {
  if (fromHeader) return [new URL(fromHeader, serverUrl)];
  const path = trimmedPath(serverUrl);
  const root = new URL('/.well-known/oauth-protected-resource', serverUrl.origin);
  if (path === '') return [root];
  return [new URL(`/.well-known/oauth-protected-resource${path}`, serverUrl.origin), root];
}

export interface MetadataCandidate {
  url: URL;
  kind: 'oauth' | 'oidc';
}

/** Authorization-server metadata locations for an issuer, RFC 8414 first, then OpenID Connect. */
export function authorizationServerMetadataUrls(issuer: URL): MetadataCandidate[] {
  const path = trimmedPath(issuer);
  const origin = issuer.origin;
  if (path === '') {
    return [
      { url: new URL('/.well-known/oauth-authorization-server', origin), kind: 'oauth' },
      { url: new URL('/.well-known/openid-configuration', origin), kind: 'oidc' },
    ];
  }
  return [
    { url: new URL(`/.well-known/oauth-authorization-server${path}`, origin), kind: 'oauth' },
    { url: new URL(`/.well-known/openid-configuration${path}`, origin), kind: 'oidc' },
    { url: new URL(`${path}/.well-known/openid-configuration`, origin), kind: 'oidc' },
  ];
}

/** The RFC 8707 form of a resource: no fragment, scheme and host lower-cased (URL does that). */
export function canonicalResource(value: string | URL): string {
  const url = new URL(String(value));
  url.hash = '';
  return url.href;
}

/**
 * Does the protected-resource metadata's `resource` cover `serverUrl`? Same origin, and the resource's path is
 * the server's path or a parent of it at a segment boundary (the resource may be the whole origin).
 */
export function resourceCovers(resource: string, serverUrl: URL): boolean {
  let res: URL;
  try {
    res = new URL(resource);
  } catch {
    return false;
  }
  if (res.origin !== serverUrl.origin || res.search) return false;
  const resPath = trimmedPath(res);
  const serverPath = trimmedPath(serverUrl);
  return resPath === '' || serverPath === resPath || serverPath.startsWith(`${resPath}/`);
}

/** RFC 8414 §3.3: the metadata's `issuer` must be identical to the issuer it was looked up for. */
export function issuerMatches(expected: string, actual: unknown): boolean {
  if (typeof actual !== 'string') return false;
  if (expected === actual) return true;
  // Tolerate only the serialisation difference of an empty path ("https://a" vs "https://a/").
  try {
    const e = new URL(expected);
    const a = new URL(actual);
    return (e.pathname === '/' || e.pathname === '') && e.href === a.href;
  } catch {
    return false;
  }
}
