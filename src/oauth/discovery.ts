/**
 * Discovery: RFC 9728 protected-resource metadata, then RFC 8414 / OpenID Connect authorization-server
 * metadata through openid-client, in the MCP spec's order. Validates `resource`, `issuer`, S256 support and
 * that every endpoint is https (http only on loopback).
 */
import * as oidc from 'openid-client';
import { OAuthFlowError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { authorizationServerMetadataUrls, canonicalResource, issuerMatches, protectedResourceMetadataUrls, resourceCovers } from './discovery-urls.js';
import { mapOAuthError, statusOf } from './error-mapping.js';
import { readJsonObject, timedFetch, type HttpContext } from './http.js';
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

export async function discoverProtectedResource(http: HttpContext, serverUrl: URL, headerUrl: string | undefined, logger: Logger): Promise<ProtectedResourceInfo> {
  const candidates = protectedResourceMetadataUrls(serverUrl, headerUrl);
  for (const url of candidates) {
    assertSecureEndpoint(url.href, 'protected resource metadata URL');
    let response: Response;
    try {
      response = await timedFetch(http, url, { headers: { accept: 'application/json' } });
    } catch (error) {
      throw mapOAuthError(error, { fallback: 'DISCOVERY_FAILED', action: `fetching ${url.href}` });
    }
    if (response.status === 404 && !headerUrl) {
      await response.body?.cancel();
      continue;
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
    logger.debug('protected resource metadata found', { url: url.href, issuer: first });
    return { resource: canonicalResource(resource), authorizationServer: first, metadataUrl: url.href, ...(scopes ? { scopesSupported: scopes } : {}) };
  }
  // Servers from before RFC 9728 adoption: the MCP 2025-03-26 fallback treats the server's origin as issuer.
  logger.warn('no protected resource metadata; assuming the MCP server origin is the authorization server', { server: serverUrl.origin });
  return { resource: canonicalResource(serverUrl), authorizationServer: serverUrl.origin };
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
    throw new OAuthFlowError('ISSUER_MISMATCH', `authorization server metadata at ${source} names issuer ${safeForMessage(String(metadata.issuer))}, expected ${issuer}`);
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

export async function discoverAuthorizationServer(http: HttpContext, issuer: string, logger: Logger, tokenOnly = false): Promise<AuthorizationServerInfo> {
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
  throw new OAuthFlowError('DISCOVERY_FAILED', `no authorization server metadata for ${issuer} (${failures.join(', ')})`);
}
