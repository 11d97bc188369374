/** openid-client Configuration for a client, and the refresh grant. Errors are mapped here, at the boundary. */
import * as oidc from 'openid-client';
import { clientAuthFor, type ClientIdentity } from './client-identity.js';
import type { StoredTokens } from '../store/credential-state.js';
import { openidFetch, type AuthorizationServerInfo } from '../discovery/discovery.js';
import { mapOAuthError } from '../error-mapping.js';
import type { HttpContext } from '../http.js';

export function configurationFor(http: HttpContext, as: AuthorizationServerInfo, identity: ClientIdentity): oidc.Configuration {
  const metadata: Partial<oidc.ClientMetadata> = { token_endpoint_auth_method: identity.authMethod };
  if (identity.clientSecret) metadata.client_secret = identity.clientSecret;
  const config = new oidc.Configuration(as.metadata, identity.clientId, metadata, clientAuthFor(identity.authMethod, identity.clientSecret));
  config[oidc.customFetch] = openidFetch(http);
  config.timeout = Math.ceil(http.timeoutMs / 1000);
  if (as.loopbackHttp) oidc.allowInsecureRequests(config);
  return config;
}

/** Token endpoint response → what we store. `expires_in` becomes an absolute `expires_at` on our clock. */
export function tokenSetFrom(response: oidc.TokenEndpointResponse, now: number, clientId: string, previous?: StoredTokens, requestedScope?: string): StoredTokens {
  const tokens: StoredTokens = {
    access_token: response.access_token,
    token_type: response.token_type,
    obtained_at: now,
    client_id: clientId,
  };
  // A refresh response without refresh_token keeps the old one (RFC 6749 §6); with one, it is rotated.
  const refresh = response.refresh_token ?? previous?.refresh_token;
  if (refresh) tokens.refresh_token = refresh;
  // RFC 6749 §5.1: a response without `scope` granted what was requested (or, on refresh, what was held).
  const scope = response.scope ?? previous?.scope ?? requestedScope;
  if (scope) tokens.scope = scope;
  if (typeof response.expires_in === 'number') tokens.expires_at = now + response.expires_in * 1000;
  return tokens;
}

export async function refreshGrant(config: oidc.Configuration, tokens: StoredTokens, resource: string | undefined, now: number, clientId: string): Promise<StoredTokens> {
  if (!tokens.refresh_token) throw mapOAuthError(undefined, { fallback: 'LOGIN_REQUIRED', action: 'refresh without a refresh token' });
  try {
    const response = await oidc.refreshTokenGrant(config, tokens.refresh_token, resource ? { resource } : undefined);
    return tokenSetFrom(response, now, clientId, tokens);
  } catch (error) {
    throw mapOAuthError(error, { fallback: 'TOKEN_REQUEST_FAILED', action: 'refreshing the access token' });
  }
}
