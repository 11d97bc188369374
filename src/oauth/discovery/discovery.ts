/**
 * Discovery: RFC 9728 protected-resource metadata, then RFC 8414 / OpenID Connect authorization-server
 * metadata through openid-client, in the MCP spec's order. Validates `resource`, `issuer`, S256 support and
 * that every endpoint is https (http only on loopback).
 */
import * as oidc from 'openid-client';
import { OAuthFlowError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { authorizationServerMetadataUrls, canonicalResource, issuerMatches, protectedResourceMetadataUrls, resourceCovers } from './discovery-urls.js';
import { mapOAuthError, statusOf } from '../error-mapping.js';
import { readJsonObject, timedFetch, type HttpContext } from '../http.js';
import { assertSecureEndpoint, isLoopbackHost, safeForMessage } from './url-safety.js';

export interface ProtectedResourceInfo {
  /** RFC 8707 resource indicator to request tokens for. */
  resource: string;
  authorizationServer: string;
  scopesSupported?: string[];
  /** Where the metadata came from; undefined when the server published none (pre-RFC 9728 fallback). */
  metadataUrl?: string;
}

export interface AuthorizationServerInfo {
  issuer: string;
  metadata: oidc.ServerMetadata;
  /** True when the issuer is plain http on loopback (openid-client must be told to allow it). */
  loopbackHttp: boolean;
  /** The well-known document the metadata was read from. */
  metadataUrl: string;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

/** One PRM candidate: the document, `undefined` when absent (4xx), or a thrown error for anything else. */
async function fetchProtectedResource(http: HttpContext, url: URL, serverUrl: URL): Promise<ProtectedResourceInfo | undefined> {
  assertSecureEndpoint(url.href, 'protected resource metadata URL');
  let response: Response;
  try {
    response = await timedFetch(http, url, { headers: { accept: 'application/json' } });
  } catch (error) {
    throw mapOAuthError(error, { fallback: 'DISCOVERY_FAILED', action: `fetching ${url.href}` });
  }
  if (response.status >= 400 && response.status < 500) {
    await response.body?.cancel();
    return undefined;
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new OAuthFlowError('DISCOVERY_FAILED', `protected resource metadata at ${url.href} answered HTTP ${response.status}`);
  }
  const body = await readJsonObject(response);
  if (!body) throw new OAuthFlowError('METADATA_INVALID', `protected resource metadata at ${url.href} is not a JSON object`);
  const resource = body.resource;
  if (typeof resource !== 'string' || !resourceCovers(resource, serverUrl)) {
    throw new OAuthFlowError('RESOURCE_MISMATCH', `protected resource metadata at ${url.href} is for ${safeForMessage(String(resource))}, not ${serverUrl.href}`);
  }
  const servers = stringList(body.authorization_servers);
  const first = servers?.[0];
  if (!first) throw new OAuthFlowError('METADATA_INVALID', `protected resource metadata at ${url.href} names no authorization_servers`);
  const scopes = stringList(body.scopes_supported);
  return { resource: canonicalResource(resource), authorizationServer: first, metadataUrl: url.href, ...(scopes ? { scopesSupported: scopes } : {}) };
}

/**
 * RFC 9728 discovery: the challenge's `resource_metadata` URL first; when that fails in any way (unreachable,
 * an error status, not a document for this server) the well-known locations are tried, as if there had been no
 * header. No document anywhere → the MCP 2025-03-26 fallback: the server's origin is the authorization server.
 */
export async function discoverProtectedResource(http: HttpContext, serverUrl: URL, headerUrl: string | undefined, logger: Logger): Promise<ProtectedResourceInfo> {
  if (headerUrl) {
    try {
      const found = await fetchProtectedResource(http, new URL(headerUrl, serverUrl), serverUrl);
      if (found) {
        logger.debug('protected resource metadata found', { url: found.metadataUrl, issuer: found.authorizationServer });
        return found;
      }
      logger.warn('the resource_metadata URL from WWW-Authenticate has no document; trying the well-known locations', { url: safeForMessage(headerUrl) });
    } catch (error) {
      logger.warn('the resource_metadata URL from WWW-Authenticate failed; trying the well-known locations', { url: safeForMessage(headerUrl), code: (error as { code?: string }).code });
    }
  }
  for (const url of protectedResourceMetadataUrls(serverUrl)) {
    const found = await fetchProtectedResource(http, url, serverUrl);
    if (!found) continue;
    logger.debug('protected resource metadata found', { url: url.href, issuer: found.authorizationServer });
    return found;
  }
  logger.warn('no protected resource metadata; assuming the MCP server origin is the authorization server (MCP 2025-03-26)', { server: serverUrl.origin });
  return { resource: canonicalResource(serverUrl), authorizationServer: serverUrl.origin };
}

/** MCP 2025-03-26 §2.3.3: without metadata, the default endpoints at the server's origin (PKCE is mandatory there). */
export function defaultEndpointsMetadata(origin: string): oidc.ServerMetadata {
  return {
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    registration_endpoint: `${origin}/register`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
  };
}

/** openid-client's fetch hook on top of ours (adds our signal; openid-client adds its own timeout). */
export function openidFetch(http: HttpContext): oidc.CustomFetch {
  return (url, options) => {
    const signals = [options.signal, http.signal].filter((s): s is AbortSignal => s !== undefined);
    return http.fetch(url, { ...options, signal: signals.length > 0 ? AbortSignal.any(signals) : undefined } as RequestInit);
  };
}

/** `tokenOnly`: the client-credentials grant, which uses neither the authorization endpoint nor PKCE. */
export function validateServerMetadata(issuer: string, metadata: oidc.ServerMetadata, source: string, tokenOnly = false): void {
  if (!issuerMatches(issuer, metadata.issuer)) {
    throw new OAuthFlowError('ISSUER_MISMATCH', `authorization server metadata at ${source} names issuer "${safeForMessage(String(metadata.issuer))}", but it was discovered for "${issuer}"; refused (RFC 8414 §3.3)`);
  }
  const methods = metadata.code_challenge_methods_supported;
  if (!tokenOnly && (!Array.isArray(methods) || !methods.includes('S256'))) {
    throw new OAuthFlowError('PKCE_UNSUPPORTED', `authorization server ${issuer} does not advertise PKCE S256 (code_challenge_methods_supported)`);
  }
  if (!tokenOnly || metadata.authorization_endpoint !== undefined) assertSecureEndpoint(metadata.authorization_endpoint, 'authorization_endpoint');
  assertSecureEndpoint(metadata.token_endpoint, 'token_endpoint');
  for (const key of ['registration_endpoint', 'jwks_uri', 'revocation_endpoint', 'introspection_endpoint'] as const) {
    if (metadata[key] !== undefined) assertSecureEndpoint(metadata[key], key);
  }
}

/**
 * RFC 8414 / OIDC metadata for `issuer`. With `legacyDefaults` (no protected-resource metadata, so a 2025-03-26
 * server whose origin is the issuer), no metadata at all means the default endpoints. With `tokenOnly` (the
 * client-credentials grant), neither an authorization endpoint nor PKCE support is required.
 */
export async function discoverAuthorizationServer(
  http: HttpContext,
  issuer: string,
  logger: Logger,
  { legacyDefaults = false, tokenOnly = false }: { legacyDefaults?: boolean; tokenOnly?: boolean } = {},
): Promise<AuthorizationServerInfo> {
  const issuerUrl = assertSecureEndpoint(issuer, 'authorization server issuer');
  if (issuerUrl.search) throw new OAuthFlowError('METADATA_INVALID', `issuer ${issuer} must not have a query`);
  const loopbackHttp = issuerUrl.protocol === 'http:' && isLoopbackHost(issuerUrl.hostname);
  const failures: string[] = [];
  for (const candidate of authorizationServerMetadataUrls(issuerUrl)) {
    let metadata: oidc.ServerMetadata;
    try {
      // A well-known URL makes openid-client fetch it as given; the issuer is checked below, exactly.
      const config = await oidc.discovery(candidate.url, 'discovery', undefined, undefined, {
        [oidc.customFetch]: openidFetch(http),
        timeout: Math.ceil(http.timeoutMs / 1000),
        execute: loopbackHttp ? [oidc.allowInsecureRequests] : [],
      });
      metadata = config.serverMetadata();
    } catch (error) {
      const status = statusOf(error);
      if (status !== undefined && status >= 400 && status < 500) {
        failures.push(`${candidate.url.href} → ${status}`);
        continue;
      }
      throw mapOAuthError(error, { fallback: 'DISCOVERY_FAILED', action: `fetching ${candidate.url.href}` });
    }
    validateServerMetadata(issuer, metadata, candidate.url.href, tokenOnly);
    logger.debug('authorization server metadata found', { url: candidate.url.href, issuer });
    return { issuer, metadata, loopbackHttp, metadataUrl: candidate.url.href };
  }
  if (legacyDefaults) {
    logger.warn('no authorization server metadata; using the MCP 2025-03-26 default endpoints /authorize, /token, /register', { issuer });
    const metadata = defaultEndpointsMetadata(issuerUrl.origin);
    validateServerMetadata(metadata.issuer, metadata, 'the 2025-03-26 default endpoints');
    return { issuer: metadata.issuer, metadata, loopbackHttp, metadataUrl: `${issuerUrl.origin}/.well-known/oauth-authorization-server` };
  }
  throw new OAuthFlowError('DISCOVERY_FAILED', `no authorization server metadata for ${issuer} (${failures.join(', ')})`);
}
