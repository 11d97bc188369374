/**
 * The device authorization grant (RFC 8628) behind `--device-code`, for SSH sessions and machines without a
 * browser: ask the authorization server for a device code, show the person the verification URI and user
 * code (through onProgress: ink on a TTY, one line otherwise), and poll the token endpoint at the server's
 * interval. openid-client's pollDeviceAuthorizationGrant does the polling (authorization_pending, slow_down
 * adds 5 s, Retry-After); this module decides what the person sees and what each ending means.
 */
import * as oidc from 'openid-client';
import { OAuthFlowError } from '../../shared/errors.js';
import { staticAuthMethod, type ClientIdentity } from '../grants/client-identity.js';
import type { AuthorizationServerInfo, ProtectedResourceInfo } from '../discovery/discovery.js';
import { mapOAuthError } from '../error-mapping.js';
import type { HttpContext } from '../http.js';
import type { LoginResult } from './authorize.js';
import type { CredentialState, StoredClient } from '../store/credential-state.js';
import type { ResolvedOptions } from '../options.js';
import { DEVICE_CODE_GRANT, registerClient } from '../grants/registration.js';
import type { DevicePrompt } from './progress.js';
import { configurationFor, tokenSetFrom } from '../grants/token-grants.js';
import { isBrowserSafeUrl, safeForMessage } from '../discovery/url-safety.js';

/** Printable ASCII only: a user code goes to a terminal, so escape sequences from a server are refused. */
const USER_CODE = /^[\x21-\x7e]([\x20-\x7e]{0,62}[\x21-\x7e])?$/;

/** Pure: the device authorization response → what is shown, refusing what could mislead a terminal or browser. */
export function devicePromptFrom(response: Pick<oidc.DeviceAuthorizationResponse, 'verification_uri' | 'verification_uri_complete' | 'user_code' | 'expires_in'>, now: number): DevicePrompt {
  if (typeof response.user_code !== 'string' || !USER_CODE.test(response.user_code)) {
    throw new OAuthFlowError('METADATA_INVALID', 'the device authorization response carries an unprintable or missing user_code; refused');
  }
  if (!isBrowserSafeUrl(response.verification_uri)) {
    throw new OAuthFlowError('UNSAFE_BROWSER_URL', `refusing the verification URI ${safeForMessage(String(response.verification_uri))}`);
  }
  const prompt: DevicePrompt = { verificationUri: response.verification_uri, userCode: response.user_code, expiresAt: now + response.expires_in * 1000 };
  const complete = response.verification_uri_complete;
  if (typeof complete === 'string' && isBrowserSafeUrl(complete)) prompt.verificationUriComplete = complete;
  return prompt;
}

/** Pure: the one line shown when stderr is not a terminal. */
export function devicePromptLine(prompt: DevicePrompt, now: number): string {
  const minutes = Math.max(1, Math.round((prompt.expiresAt - now) / 60_000));
  const where = prompt.verificationUriComplete ? `${prompt.verificationUriComplete} (or ${prompt.verificationUri} and enter code ${prompt.userCode})` : `${prompt.verificationUri} and enter code ${prompt.userCode}`;
  return `To sign in, visit ${where} within ${minutes} min`;
}

/** Pure: a stored registration made at this issuer for the device grant. */
export function isDeviceRegistration(client: StoredClient | undefined, issuer: string): client is StoredClient {
  const grants = client?.metadata?.grant_types;
  return client !== undefined && (client.issuer === undefined || client.issuer === issuer) && Array.isArray(grants) && grants.includes(DEVICE_CODE_GRANT);
}

/** --client-id, else a stored device-grant registration, else a new dynamic registration for the device grant. */
async function deviceIdentity(opts: ResolvedOptions, http: HttpContext, as: AuthorizationServerInfo, state: CredentialState): Promise<ClientIdentity> {
  if (opts.clientId) {
    return { source: 'static', clientId: opts.clientId, ...(opts.clientSecret ? { clientSecret: opts.clientSecret } : {}), authMethod: staticAuthMethod(Boolean(opts.clientSecret), as.metadata.token_endpoint_auth_methods_supported) };
  }
  let client = state.client;
  let source: ClientIdentity['source'] = 'stored';
  if (!isDeviceRegistration(client, as.issuer)) {
    if (!as.metadata.registration_endpoint) {
      throw new OAuthFlowError('REGISTRATION_UNSUPPORTED', `authorization server ${as.issuer} does not support dynamic client registration; pass --client-id of a client allowed to use the device grant`);
    }
    opts.onProgress({ step: 'registering', detail: as.issuer });
    client = await registerClient(http, as, { clientName: opts.clientName });
    source = 'register';
    opts.logger.info('registered a new OAuth client for the device grant', { issuer: as.issuer, clientId: client.client_id });
  }
  const registered = client as StoredClient;
  // No redirect URI at all, so a browser login never mistakes this registration for its own.
  registered.redirect_uris ??= [];
  return { source, clientId: registered.client_id, ...(registered.client_secret ? { clientSecret: registered.client_secret } : {}), authMethod: registered.token_endpoint_auth_method ?? (registered.client_secret ? 'client_secret_basic' : 'none'), registration: registered };
}

function pollFailure(error: unknown, expired: AbortSignal, cancelled: AbortSignal | undefined): OAuthFlowError {
  if (cancelled?.aborted) return new OAuthFlowError('ABORTED', 'device sign-in was cancelled', { cause: error });
  if (expired.aborted) return new OAuthFlowError('DEVICE_CODE_EXPIRED', 'the device code expired before the sign-in was finished; run the command again for a new code', { cause: error });
  if (error instanceof oidc.ResponseBodyError) {
    if (error.error === 'expired_token') return new OAuthFlowError('DEVICE_CODE_EXPIRED', 'the device code expired before the sign-in was finished; run the command again for a new code', { cause: error });
    if (error.error === 'access_denied') return new OAuthFlowError('AUTHORIZATION_DENIED', 'the sign-in was denied at the authorization server (access_denied)', { cause: error });
  }
  return mapOAuthError(error, { fallback: 'TOKEN_REQUEST_FAILED', action: 'device sign-in' });
}

export async function runDeviceLogin(opts: ResolvedOptions, http: HttpContext, prm: ProtectedResourceInfo, as: AuthorizationServerInfo, state: CredentialState, scope: string | undefined): Promise<LoginResult> {
  if (!as.metadata.device_authorization_endpoint) {
    throw new OAuthFlowError('GRANT_UNSUPPORTED', `authorization server ${as.issuer} does not offer the device authorization grant (no device_authorization_endpoint in its metadata); sign in with a browser instead (without --device-code)`);
  }
  const identity = await deviceIdentity(opts, http, as, state);
  const config = configurationFor(http, as, identity);
  const parameters: Record<string, string> = { resource: prm.resource };
  if (scope) parameters.scope = scope;
  let response: oidc.DeviceAuthorizationResponse;
  try {
    response = await oidc.initiateDeviceAuthorization(config, parameters);
  } catch (error) {
    throw mapOAuthError(error, { fallback: 'TOKEN_REQUEST_FAILED', action: 'starting the device sign-in' });
  }
  const prompt = devicePromptFrom(response, opts.now());
  opts.onProgress({ step: 'waiting-for-device', url: prompt.verificationUriComplete ?? prompt.verificationUri, device: prompt });
  const expired = AbortSignal.timeout(Math.max(1, response.expires_in) * 1000);
  const signal = opts.signal ? AbortSignal.any([expired, opts.signal]) : expired;
  let tokens: oidc.TokenEndpointResponse;
  try {
    tokens = await oidc.pollDeviceAuthorizationGrant(config, response, { resource: prm.resource }, { signal });
  } catch (error) {
    throw pollFailure(error, expired, opts.signal);
  }
  opts.onProgress({ step: 'exchanging', detail: as.issuer });
  return { tokens: tokenSetFrom(tokens, opts.now(), identity.clientId), identity };
}
