/**
 * The proxy's resource-server guard: static bearer tokens or OAuth JWT access tokens. Pure Node data in
 * (request headers), plain data out (principal, or status + headers + body to send). Uses the SDK's
 * verifyBearerToken / bearerAuthChallengeResponse so the challenge (WWW-Authenticate with resource_metadata
 * and scope) matches what MCP clients expect, and serves RFC 9728 metadata.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { fetch as undiciFetch } from 'undici';
import {
  bearerAuthChallengeResponse,
  buildOAuthProtectedResourceMetadata,
  getOAuthProtectedResourceMetadataUrl,
  verifyBearerToken,
  type AuthInfo,
  type OAuthMetadata,
  type OAuthTokenVerifier,
} from '@modelcontextprotocol/server';
import { ProxyError } from '../../shared/errors.js';
import { DEFAULT_HTTP_TIMEOUT_MS, type HttpContext } from '../../oauth/http.js';
import type { FetchLike } from '../../shared/fetch-like.js';
import type { ForwardedClaims } from '../proxy-options.js';
import { headerValue } from '../http/header-value.js';
import { fetchIssuerMetadata, type IssuerMetadata } from './issuer-metadata.js';
import { createJwtVerifier } from './jwt-verifier.js';
import { createStaticTokenVerifier, tokenFingerprint } from './static-token-verifier.js';

export interface BearerGuardOptions {
  mode: 'bearer';
  tokens: string[];
}

export interface OAuthGuardOptions {
  mode: 'oauth';
  /** The authorization server that issues the access tokens. */
  issuer: string;
  /** This MCP endpoint's public URL: the RFC 8707 resource and the JWT audience. */
  resource: string | URL;
  /** Default: the issuer metadata's jwks_uri. */
  jwksUri?: string;
  /** Scopes every request needs (also advertised in challenges). */
  requiredScopes?: string[];
  /** Advertised as scopes_supported in RFC 9728 metadata (default: requiredScopes). */
  scopesSupported?: string[];
  resourceName?: string;
  algorithms?: string[];
  fetch?: FetchLike;
  timeoutMs?: number;
}

export type AuthGuardOptions = BearerGuardOptions | OAuthGuardOptions;

export type AuthResult =
  | { ok: true; principal: string; authInfo: AuthInfo; claims: ForwardedClaims }
  | { ok: false; status: number; headers: Record<string, string>; body: string };

export interface PlainResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface AuthGuard {
  /** Checks the request's Authorization header; `requiredScopes` overrides the guard's for one operation (step-up). */
  authenticate(headers: IncomingHttpHeaders, options?: { requiredScopes?: string[] }): Promise<AuthResult>;
  /** The RFC 9728 document for GET/HEAD on `/.well-known/oauth-protected-resource{path}`; undefined for other paths. */
  handleMetadataRequest(method: string | undefined, path: string): Promise<PlainResponse | undefined>;
  /** Where the RFC 9728 document is served (oauth mode). */
  readonly resourceMetadataUrl: string | undefined;
  /** Sync check: is `path` the RFC 9728 document's path? */
  isMetadataPath(path: string): boolean;
}

async function plain(response: Response): Promise<PlainResponse> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return { status: response.status, headers, body: await response.text() };
}

function principalOf(info: AuthInfo, mode: AuthGuardOptions['mode']): string {
  const extra = info.extra ?? {};
  if (mode === 'bearer') return `bearer:${String(extra.fingerprint ?? tokenFingerprint(info.token))}`;
  if (typeof extra.sub === 'string' && extra.sub) return `oauth:${String(extra.iss ?? '')}#${extra.sub}`;
  return `oauth-client:${info.clientId}`;
}

/** What --forward-claims / --forward-token give the child: the JWT's sub/iss (empty when absent), or a static token's fingerprint and no issuer. */
function claimsOf(info: AuthInfo, mode: AuthGuardOptions['mode']): ForwardedClaims {
  const extra = info.extra ?? {};
  if (mode === 'bearer') return { sub: String(extra.fingerprint ?? tokenFingerprint(info.token)), iss: '', scopes: [...info.scopes], token: info.token };
  return { sub: typeof extra.sub === 'string' ? extra.sub : '', iss: typeof extra.iss === 'string' ? extra.iss : '', scopes: [...info.scopes], token: info.token };
}

export function createAuthGuard(options: AuthGuardOptions): AuthGuard {
  let verifier: OAuthTokenVerifier;
  let resourceUrl: URL | undefined;
  let resourceMetadataUrl: string | undefined;
  let metadata: Promise<IssuerMetadata> | undefined;
  const requiredScopes = options.mode === 'oauth' ? (options.requiredScopes ?? []) : [];

  if (options.mode === 'bearer') {
    verifier = createStaticTokenVerifier(options.tokens, () => Date.now() / 1000);
  } else {
    try {
      resourceUrl = new URL(String(options.resource));
    } catch (error) {
      throw new ProxyError('CONFIG_INVALID', `auth resource is not a URL: ${String(options.resource)}`, { cause: error });
    }
    resourceUrl.hash = '';
    resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(resourceUrl);
    const http: HttpContext = { fetch: options.fetch ?? (undiciFetch as unknown as FetchLike), timeoutMs: options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS };
    const issuerMetadata = (): Promise<IssuerMetadata> => {
      metadata ??= fetchIssuerMetadata(http, options.issuer).catch((error: unknown) => {
        metadata = undefined; // try again on the next request
        throw error;
      });
      return metadata;
    };
    verifier = createJwtVerifier({
      issuer: options.issuer,
      resource: resourceUrl,
      timeoutMs: http.timeoutMs,
      ...(options.algorithms ? { algorithms: options.algorithms } : {}),
      jwksUri: async () => {
        if (options.jwksUri) return options.jwksUri;
        const jwks = (await issuerMetadata()).jwks_uri;
        if (!jwks) throw new ProxyError('CONFIG_INVALID', `issuer ${options.issuer} publishes no jwks_uri; pass jwksUri`);
        return jwks;
      },
    });
    const metadataPath = new URL(resourceMetadataUrl).pathname;
    const scopesSupported = options.scopesSupported ?? options.requiredScopes;
    const resource = resourceUrl;
    return build(metadataPath, async (method, path): Promise<PlainResponse | undefined> => {
      if (path !== metadataPath) return undefined;
      if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { allow: 'GET, HEAD' }, body: '' };
      const document = buildOAuthProtectedResourceMetadata({
        oauthMetadata: (await issuerMetadata()) as unknown as OAuthMetadata,
        resourceServerUrl: resource,
        ...(scopesSupported ? { scopesSupported } : {}),
        ...(options.resourceName ? { resourceName: options.resourceName } : {}),
      });
      return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' }, body: JSON.stringify(document) };
    });
  }
  return build(undefined, async () => undefined);

  function build(metadataPath: string | undefined, handleMetadataRequest: AuthGuard['handleMetadataRequest']): AuthGuard {
    return {
      resourceMetadataUrl,
      handleMetadataRequest,
      isMetadataPath: (path) => metadataPath !== undefined && path === metadataPath,
      async authenticate(headers, perCall) {
        const scopes = perCall?.requiredScopes ?? requiredScopes;
        const header = headerValue(headers, 'authorization');
        const challenge = { requiredScopes: scopes, ...(resourceMetadataUrl ? { resourceMetadataUrl } : {}) };
        try {
          const authInfo = await verifyBearerToken(header, { verifier, ...challenge, ...(resourceUrl ? { expectedResource: resourceUrl } : {}) });
          return { ok: true, principal: principalOf(authInfo, options.mode), authInfo, claims: claimsOf(authInfo, options.mode) };
        } catch (error) {
          const response = await plain(bearerAuthChallengeResponse(error, challenge));
          return { ok: false, ...response };
        }
      },
    };
  }
}
