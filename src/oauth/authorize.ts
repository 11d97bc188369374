/**
 * Interactive login: loopback receiver, client identity (registering when needed), PKCE S256 authorization
 * request with a fresh state and the RFC 8707 resource, browser hand-off, iss (RFC 9207) check, code exchange.
 */
import * as oidc from 'openid-client';
import { OAuthFlowError } from '../shared/errors.js';
import { startCallbackServer, type CallbackServer } from './callback-server.js';
import { chooseIdentitySource, staticAuthMethod, type ClientIdentity } from './client-identity.js';
import type { CredentialState, StoredClient, StoredTokens } from './credential-state.js';
import type { AuthorizationServerInfo, ProtectedResourceInfo } from './discovery.js';
import { mapOAuthError } from './error-mapping.js';
import type { HttpContext } from './http.js';
import type { ResolvedOptions } from './options.js';
import { registerClient } from './registration.js';
import { configurationFor, tokenSetFrom } from './token-grants.js';
import { isBrowserSafeUrl, safeForMessage } from './url-safety.js';

export interface LoginResult {
  tokens: StoredTokens;
  /** The client used; stored when it is a registration. */
  identity: ClientIdentity;
}

function portOf(uri: string | undefined): number | undefined {
  if (!uri) return undefined;
  try {
    const url = new URL(uri);
    return url.hostname === '127.0.0.1' && url.port ? Number(url.port) : undefined;
  } catch {
    return undefined;
  }
}

/** Listens on the configured port, else the stored registration's port, else (if busy or none) any free one. */
async function openReceiver(opts: ResolvedOptions, stored: StoredClient | undefined): Promise<CallbackServer> {
  if (opts.callbackPort !== undefined) return startCallbackServer(opts.callbackPort);
  const previous = portOf(stored?.redirect_uris?.[0]);
  if (previous !== undefined) {
    try {
      return await startCallbackServer(previous);
    } catch (error) {
      opts.logger.info('stored callback port is busy; will re-register with a new one', { port: previous, code: (error as NodeJS.ErrnoException).code });
    }
  }
  return startCallbackServer(0);
}

async function resolveIdentity(opts: ResolvedOptions, http: HttpContext, as: AuthorizationServerInfo, state: CredentialState, redirectUri: string): Promise<ClientIdentity> {
  const source = chooseIdentitySource({
    staticClientId: opts.clientId,
    clientMetadataUrl: opts.clientMetadataUrl,
    metadataDocumentSupported: (as.metadata as Record<string, unknown>).client_id_metadata_document_supported === true,
    stored: state.client,
    issuer: as.issuer,
    redirectUri,
  });
  switch (source) {
    case 'static':
      return {
        source,
        clientId: opts.clientId as string,
        ...(opts.clientSecret ? { clientSecret: opts.clientSecret } : {}),
        authMethod: staticAuthMethod(Boolean(opts.clientSecret), as.metadata.token_endpoint_auth_methods_supported),
      };
    case 'metadata-document':
      return { source, clientId: opts.clientMetadataUrl as string, authMethod: 'none' };
    case 'stored': {
      const client = state.client as StoredClient;
      return { source, clientId: client.client_id, ...(client.client_secret ? { clientSecret: client.client_secret } : {}), authMethod: client.token_endpoint_auth_method ?? (client.client_secret ? 'client_secret_basic' : 'none'), registration: client };
    }
    case 'register': {
      opts.onProgress({ step: 'registering', detail: as.issuer });
      const client = await registerClient(http, as, { redirectUri, clientName: opts.clientName });
      opts.logger.info('registered a new OAuth client', { issuer: as.issuer, clientId: client.client_id });
      return { source, clientId: client.client_id, ...(client.client_secret ? { clientSecret: client.client_secret } : {}), authMethod: client.token_endpoint_auth_method ?? 'none', registration: client };
    }
  }
}

/** RFC 9207: when the server says it sends `iss`, it must be there; when present, it must be the issuer. */
export function checkIssParameter(callback: URL, as: AuthorizationServerInfo): void {
  const iss = callback.searchParams.get('iss');
  const required = as.metadata.authorization_response_iss_parameter_supported === true;
  if (iss === null ? required : iss !== as.issuer) {
    throw new OAuthFlowError('ISSUER_MISMATCH', `the authorization response came from ${iss === null ? 'an unnamed issuer' : safeForMessage(iss)}, expected ${as.issuer}; refused`);
  }
}

export async function runLogin(opts: ResolvedOptions, http: HttpContext, prm: ProtectedResourceInfo, as: AuthorizationServerInfo, state: CredentialState, scope: string | undefined): Promise<LoginResult> {
  const receiver = await openReceiver(opts, state.client);
  try {
    const identity = await resolveIdentity(opts, http, as, state, receiver.redirectUri);
    const config = configurationFor(http, as, identity);
    const verifier = oidc.randomPKCECodeVerifier();
    const expectedState = oidc.randomState();
    const parameters: Record<string, string> = {
      redirect_uri: receiver.redirectUri,
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: expectedState,
      resource: prm.resource,
    };
    if (scope) parameters.scope = scope;
    const authorizationUrl = oidc.buildAuthorizationUrl(config, parameters).href;
    if (!isBrowserSafeUrl(authorizationUrl)) {
      throw new OAuthFlowError('UNSAFE_BROWSER_URL', `refusing the authorization URL ${safeForMessage(authorizationUrl)}`);
    }
    const waiting = receiver.waitForCallback(expectedState, opts.authTimeoutMs, opts.signal);
    waiting.catch(() => undefined); // observed below; this only keeps an early rejection from being "unhandled"
    let browserOpened = false;
    if (opts.openBrowser) {
      try {
        await opts.openBrowser(authorizationUrl);
        browserOpened = true;
      } catch (error) {
        opts.logger.warn('could not open a browser; open the URL yourself', { error });
      }
    }
    opts.onProgress({ step: 'waiting-for-browser', url: authorizationUrl, browserOpened });
    const callback = await waiting;
    checkIssParameter(callback, as);
    opts.onProgress({ step: 'exchanging', detail: as.issuer });
    let response: oidc.TokenEndpointResponse;
    try {
      response = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState }, { resource: prm.resource });
    } catch (error) {
      throw mapOAuthError(error, { fallback: 'TOKEN_REQUEST_FAILED', action: 'exchanging the authorization code' });
    }
    return { tokens: tokenSetFrom(response, opts.now(), identity.clientId), identity };
  } finally {
    await receiver.close();
  }
}
