/**
 * Interactive login: loopback receiver, client identity (registering when needed), PKCE S256 authorization
 * request with a fresh state and the RFC 8707 resource, browser hand-off, iss (RFC 9207) check, code exchange.
 */
import * as oidc from 'openid-client';
import { OAuthFlowError } from '../../shared/errors.js';
import { startCallbackServer, type CallbackServer } from './callback-server.js';
import { chooseIdentitySource, staticAuthMethod, type ClientIdentity } from '../grants/client-identity.js';
import type { CredentialState, StoredClient, StoredTokens } from '../store/credential-state.js';
import type { AuthorizationServerInfo, ProtectedResourceInfo } from '../discovery/discovery.js';
import { mapOAuthError } from '../error-mapping.js';
import { timedFetch, type HttpContext } from '../http.js';
import type { ResolvedOptions } from '../options.js';
import { registerClient } from '../grants/registration.js';
import { configurationFor, tokenSetFrom } from '../grants/token-grants.js';
import { isBrowserSafeUrl, safeForMessage } from '../discovery/url-safety.js';

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
    case 'register':
      return register(opts, http, as, redirectUri);
  }
}

async function register(opts: ResolvedOptions, http: HttpContext, as: AuthorizationServerInfo, redirectUri: string): Promise<ClientIdentity> {
  opts.onProgress({ step: 'registering', detail: as.issuer });
  const client = await registerClient(http, as, { redirectUri, clientName: opts.clientName });
  opts.logger.info('registered a new OAuth client', { issuer: as.issuer, clientId: client.client_id, authMethod: client.token_endpoint_auth_method });
  return { source: 'register', clientId: client.client_id, ...(client.client_secret ? { clientSecret: client.client_secret } : {}), authMethod: client.token_endpoint_auth_method ?? 'none', registration: client };
}

/**
 * Pure (RFC 9207 with MCP 2026-07-28): `iss` present → it must equal the metadata's `issuer`, compared as
 * plain strings (no trailing-slash or case folding); absent → refused only when the server advertises
 * `authorization_response_iss_parameter_supported`. Returns the refusal message, or undefined to accept.
 */
export function issRefusal(iss: string | null, expected: string, advertised: boolean): string | undefined {
  if (iss === null) {
    return advertised ? `the authorization response has no iss, but the authorization server "${expected}" advertises authorization_response_iss_parameter_supported; expected iss "${expected}"` : undefined;
  }
  return iss === expected ? undefined : `the authorization response names issuer "${safeForMessage(iss)}", expected "${expected}" (compared exactly)`;
}

export function checkIssParameter(callback: URL, as: AuthorizationServerInfo): void {
  const refusal = issRefusal(callback.searchParams.get('iss'), String(as.metadata.issuer), as.metadata.authorization_response_iss_parameter_supported === true);
  if (refusal) throw new OAuthFlowError('ISSUER_MISMATCH', `${refusal}; refused`);
}

/**
 * Does the authorization endpoint refuse this request outright? An AS that no longer knows our client, or
 * our redirect_uri, must not redirect (RFC 6749 §4.1.2.1) and answers with an error page (4xx) instead.
 * Checked without a browser, only for a stored registration, so a stale one is replaced without the user
 * facing a dead-end page.
 */
async function authorizationRefused(http: HttpContext, url: string): Promise<boolean> {
  try {
    const response = await timedFetch(http, url, { method: 'GET', headers: { accept: 'text/html' } });
    await response.body?.cancel();
    return response.status >= 400 && response.status < 500;
  } catch {
    return false; // unreachable now: let the browser show the user whatever the AS says
  }
}

/**
 * `verifyStoredClient`: check a stored registration at the authorization endpoint first (when it has not just
 * proven itself: no usable tokens, or an explicit --login), so a stale one is replaced before the browser opens.
 */
export async function runLogin(opts: ResolvedOptions, http: HttpContext, prm: ProtectedResourceInfo, as: AuthorizationServerInfo, state: CredentialState, scope: string | undefined, verifyStoredClient = true): Promise<LoginResult> {
  const receiver = await openReceiver(opts, state.client);
  try {
    let identity = await resolveIdentity(opts, http, as, state, receiver.redirectUri);
    const verifier = oidc.randomPKCECodeVerifier();
    const expectedState = oidc.randomState();
    const resource: Record<string, string> = opts.useResource ? { resource: prm.resource } : {};
    const parameters: Record<string, string> = {
      ...opts.authorizeParams,
      redirect_uri: receiver.redirectUri,
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: expectedState,
      ...resource,
    };
    if (scope) parameters.scope = scope;
    let config = configurationFor(http, as, identity);
    let authorizationUrl = oidc.buildAuthorizationUrl(config, parameters).href;
    if (verifyStoredClient && identity.source === 'stored' && as.metadata.registration_endpoint && (await authorizationRefused(http, authorizationUrl))) {
      opts.logger.info('the authorization server refuses the stored client registration; registering again', { issuer: as.issuer, clientId: identity.clientId });
      identity = await register(opts, http, as, receiver.redirectUri);
      config = configurationFor(http, as, identity);
      authorizationUrl = oidc.buildAuthorizationUrl(config, parameters).href;
    }
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
      response = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState }, resource);
    } catch (error) {
      throw mapOAuthError(error, { fallback: 'TOKEN_REQUEST_FAILED', action: 'exchanging the authorization code' });
    }
    return { tokens: tokenSetFrom(response, opts.now(), identity.clientId, undefined, scope), identity };
  } finally {
    await receiver.close();
  }
}
