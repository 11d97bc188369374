/**
 * The client-credentials grant (RFC 6749 §4.4; MCP extension io.modelcontextprotocol/oauth-client-credentials):
 * a pre-registered client authenticates with its secret (client_secret_basic or client_secret_post, whichever
 * the authorization server lists) or with a private_key_jwt assertion (RFC 7523, signed by openid-client's
 * PrivateKeyJwt: iss = sub = client id, aud = the issuer, exp 60 s, a fresh random jti), and gets an access
 * token for the MCP resource. No browser, no callback server; when the token expires or is refused it is
 * simply requested again.
 */
import * as oidc from 'openid-client';
import { OAuthFlowError } from '../../shared/errors.js';
import { staticAuthMethod } from './client-identity.js';
import type { StoredTokens } from '../store/credential-state.js';
import { openidFetch, type AuthorizationServerInfo, type ProtectedResourceInfo } from '../discovery/discovery.js';
import { mapOAuthError } from '../error-mapping.js';
import type { HttpContext } from '../http.js';
import { loadClientKey, type ClientKey } from './client-key.js';
import type { LoginResult } from '../flow/authorize.js';
import type { ResolvedOptions } from '../options.js';
import { tokenSetFrom } from './token-grants.js';

export interface ClientCredentialsSettings {
  clientId: string | undefined;
  clientSecret: string | undefined;
  clientKeyFile: string | undefined;
}

export type M2mAuth = { method: 'private_key_jwt'; key: ClientKey } | { method: 'client_secret_basic' | 'client_secret_post'; secret: string };

/** Pure: what is missing or contradictory in the settings, as a message; undefined when they are usable. */
export function clientCredentialsProblem(settings: ClientCredentialsSettings): string | undefined {
  if (!settings.clientId) return '--client-credentials needs --client-id (a client registered at the authorization server beforehand)';
  if (settings.clientSecret && settings.clientKeyFile) return '--client-credentials takes --client-secret or --client-key, not both';
  if (!settings.clientSecret && !settings.clientKeyFile) return '--client-credentials needs --client-secret or --client-key FILE';
  return undefined;
}

/** Pure: the authentication method to use, refusing what the server's metadata rules out. */
export function chooseM2mMethod(hasKey: boolean, metadata: Pick<oidc.ServerMetadata, 'token_endpoint_auth_methods_supported' | 'token_endpoint_auth_signing_alg_values_supported'>, alg?: string): string {
  const supported = metadata.token_endpoint_auth_methods_supported;
  if (hasKey) {
    if (supported && !supported.includes('private_key_jwt')) {
      throw new OAuthFlowError('GRANT_UNSUPPORTED', `the authorization server does not accept private_key_jwt (it lists ${supported.join(', ')}); use --client-secret`);
    }
    const algs = metadata.token_endpoint_auth_signing_alg_values_supported;
    if (alg && algs && !algs.includes(alg)) {
      throw new OAuthFlowError('GRANT_UNSUPPORTED', `the authorization server does not accept ${alg} client assertions (it lists ${algs.join(', ')}); use a key of one of those types`);
    }
    return 'private_key_jwt';
  }
  if (supported && !supported.includes('client_secret_basic') && !supported.includes('client_secret_post')) {
    throw new OAuthFlowError('GRANT_UNSUPPORTED', `the authorization server accepts no client secret at its token endpoint (it lists ${supported.join(', ')}); use --client-key`);
  }
  return staticAuthMethod(true, supported);
}

export async function resolveM2mAuth(settings: ClientCredentialsSettings, as: AuthorizationServerInfo): Promise<M2mAuth> {
  if (settings.clientKeyFile) {
    const key = await loadClientKey(settings.clientKeyFile);
    chooseM2mMethod(true, as.metadata, key.alg);
    return { method: 'private_key_jwt', key };
  }
  const method = chooseM2mMethod(false, as.metadata) as 'client_secret_basic' | 'client_secret_post';
  return { method, secret: settings.clientSecret as string };
}

/** An openid-client Configuration for a confidential client authenticating with `auth`. */
export function m2mConfiguration(http: HttpContext, as: AuthorizationServerInfo, clientId: string, auth: M2mAuth): oidc.Configuration {
  const clientAuth =
    auth.method === 'private_key_jwt' ? oidc.PrivateKeyJwt(auth.key.key) : auth.method === 'client_secret_post' ? oidc.ClientSecretPost(auth.secret) : oidc.ClientSecretBasic(auth.secret);
  const config = new oidc.Configuration(as.metadata, clientId, { token_endpoint_auth_method: auth.method }, clientAuth);
  config[oidc.customFetch] = openidFetch(http);
  config.timeout = Math.ceil(http.timeoutMs / 1000);
  if (as.loopbackHttp) oidc.allowInsecureRequests(config);
  return config;
}

export interface ClientCredentialsRequest {
  resource: string | undefined;
  scope: string | undefined;
  now: number;
}

export async function clientCredentialsToken(config: oidc.Configuration, clientId: string, request: ClientCredentialsRequest): Promise<StoredTokens> {
  const parameters: Record<string, string> = {};
  if (request.resource) parameters.resource = request.resource;
  if (request.scope) parameters.scope = request.scope;
  let response: oidc.TokenEndpointResponse;
  try {
    response = await oidc.clientCredentialsGrant(config, parameters);
  } catch (error) {
    throw mapOAuthError(error, { fallback: 'TOKEN_REQUEST_FAILED', action: 'client credentials grant' });
  }
  const tokens = tokenSetFrom(response, request.now, clientId);
  // RFC 6749 §4.4.3: no refresh token belongs here; a new token is simply requested again.
  delete tokens.refresh_token;
  return tokens;
}

/** One client-credentials token for the MCP resource, with the client configured in `opts`. */
export async function runClientCredentials(opts: ResolvedOptions, http: HttpContext, prm: ProtectedResourceInfo, as: AuthorizationServerInfo, scope: string | undefined): Promise<LoginResult> {
  const settings = { clientId: opts.clientId, clientSecret: opts.clientSecret, clientKeyFile: opts.clientKeyFile };
  const problem = clientCredentialsProblem(settings);
  if (problem) throw new OAuthFlowError('GRANT_UNSUPPORTED', problem);
  const clientId = opts.clientId as string;
  const auth = await resolveM2mAuth(settings, as);
  opts.logger.debug('client credentials grant', { issuer: as.issuer, clientId, method: auth.method });
  const tokens = await clientCredentialsToken(m2mConfiguration(http, as, clientId, auth), clientId, { resource: prm.resource, scope, now: opts.now() });
  return { tokens, identity: { source: 'static', clientId, authMethod: auth.method } };
}
