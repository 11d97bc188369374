/**
 * Client registration: RFC 7591 dynamic registration through openid-client, and RFC 7592 read / update /
 * delete of that registration with its registration access token.
 */
import * as oidc from 'openid-client';
import { OAuthFlowError } from '../shared/errors.js';
import type { StoredClient } from './credential-state.js';
import { openidFetch, type AuthorizationServerInfo } from './discovery.js';
import { mapOAuthError } from './error-mapping.js';
import { readJsonObject, timedFetch, type HttpContext } from './http.js';
import { assertSecureEndpoint } from './url-safety.js';

export interface RegistrationRequest {
  /** The loopback redirect URI; absent for a device-grant client (RFC 8628), which has none. */
  redirectUri?: string;
  clientName: string;
}

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Pure: the token endpoint auth method to register, given what the server supports. */
export function chooseRegistrationAuthMethod(supported: string[] | undefined): string {
  if (!supported || supported.includes('none')) return 'none';
  if (supported.includes('client_secret_basic')) return 'client_secret_basic';
  if (supported.includes('client_secret_post')) return 'client_secret_post';
  return 'none';
}

const RESERVED = new Set(['client_id', 'client_secret', 'registration_access_token', 'registration_client_uri', 'client_id_issued_at', 'client_secret_expires_at', 'token_endpoint_auth_method']);

export function storedClientFrom(issuer: string, registered: Record<string, unknown>): StoredClient {
  const str = (key: string): string | undefined => (typeof registered[key] === 'string' ? (registered[key] as string) : undefined);
  const clientId = str('client_id');
  if (!clientId) throw new OAuthFlowError('REGISTRATION_FAILED', 'the registration response has no client_id');
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(registered)) if (!RESERVED.has(key) && key !== 'redirect_uris') metadata[key] = value;
  const client: StoredClient = { client_id: clientId, issuer, metadata };
  const secret = str('client_secret');
  if (secret) client.client_secret = secret;
  const method = str('token_endpoint_auth_method');
  if (method) client.token_endpoint_auth_method = method;
  if (Array.isArray(registered.redirect_uris)) client.redirect_uris = registered.redirect_uris.filter((u): u is string => typeof u === 'string');
  const regToken = str('registration_access_token');
  if (regToken) client.registration_access_token = regToken;
  const regUri = str('registration_client_uri');
  if (regUri) client.registration_client_uri = assertSecureEndpoint(regUri, 'registration_client_uri').href;
  return client;
}

export async function registerClient(http: HttpContext, as: AuthorizationServerInfo, request: RegistrationRequest): Promise<StoredClient> {
  const endpoint = as.metadata.registration_endpoint;
  if (!endpoint) {
    throw new OAuthFlowError('REGISTRATION_UNSUPPORTED', `authorization server ${as.issuer} does not support dynamic client registration; pass --client-id (and --client-secret)`);
  }
  const device = request.redirectUri === undefined;
  const metadata: Partial<oidc.ClientMetadata> = {
    redirect_uris: device ? [] : [request.redirectUri as string],
    client_name: request.clientName,
    grant_types: device ? [DEVICE_CODE_GRANT, 'refresh_token'] : ['authorization_code', 'refresh_token'],
    response_types: device ? [] : ['code'],
    application_type: 'native',
    token_endpoint_auth_method: chooseRegistrationAuthMethod(as.metadata.token_endpoint_auth_methods_supported),
  };
  // No `scope` here: it is optional (RFC 7591 §2), servers refuse resource scopes they list elsewhere, and it
  // would cap a later step-up. Scope is requested per authorization instead.
  // openid-client re-reads the metadata document; only that URL and the validated endpoint may be fetched.
  const fetchHook = openidFetch(http);
  const registrationUrl = new URL(endpoint);
  const guarded: oidc.CustomFetch = (url, options) => {
    if (url !== registrationUrl.href && url !== as.metadataUrl) {
      return Promise.reject(new OAuthFlowError('INSECURE_ENDPOINT', 'registration was redirected to an unexpected endpoint'));
    }
    return fetchHook(url, options);
  };
  try {
    const config = await oidc.dynamicClientRegistration(new URL(as.metadataUrl), metadata, undefined, {
      [oidc.customFetch]: guarded,
      timeout: Math.ceil(http.timeoutMs / 1000),
      execute: as.loopbackHttp ? [oidc.allowInsecureRequests] : [],
    });
    const registered = config.clientMetadata() as unknown as Record<string, unknown>;
    if (config.serverMetadata().registration_endpoint !== endpoint) {
      throw new OAuthFlowError('METADATA_INVALID', 'authorization server metadata changed during registration');
    }
    return storedClientFrom(as.issuer, registered);
  } catch (error) {
    throw mapOAuthError(error, { fallback: 'REGISTRATION_FAILED', action: 'dynamic client registration' });
  }
}

function managementTarget(client: StoredClient | undefined): { uri: string; token: string } {
  if (!client?.registration_client_uri || !client.registration_access_token) {
    throw new OAuthFlowError('MANAGEMENT_UNSUPPORTED', 'this client has no registration_client_uri / registration_access_token: the server does not support RFC 7592 management, or the client was not registered dynamically');
  }
  return { uri: assertSecureEndpoint(client.registration_client_uri, 'registration_client_uri').href, token: client.registration_access_token };
}

async function manage(http: HttpContext, client: StoredClient | undefined, method: 'GET' | 'PUT' | 'DELETE', body?: Record<string, unknown>): Promise<Response> {
  const { uri, token } = managementTarget(client);
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
  if (body) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await timedFetch(http, uri, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  } catch (error) {
    throw mapOAuthError(error, { fallback: 'REGISTRATION_FAILED', action: `client management ${method}` });
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new OAuthFlowError('REGISTRATION_FAILED', `the server refused the registration access token (HTTP ${response.status}); the client may have been deleted`);
  }
  if (response.status === 404 || response.status === 405 || response.status === 501) {
    await response.body?.cancel();
    throw new OAuthFlowError('MANAGEMENT_UNSUPPORTED', `the server does not support RFC 7592 ${method} on ${uri} (HTTP ${response.status})`);
  }
  return response;
}

export async function readRegistration(http: HttpContext, client: StoredClient | undefined): Promise<Record<string, unknown>> {
  const response = await manage(http, client, 'GET');
  const body = response.status === 200 ? await readJsonObject(response) : undefined;
  if (!body) throw new OAuthFlowError('REGISTRATION_FAILED', `reading the registration failed (HTTP ${response.status})`);
  return body;
}

/** RFC 7592 §2.2: PUT the complete metadata (current registration with `patch` applied). */
export async function updateRegistration(http: HttpContext, client: StoredClient | undefined, patch: Record<string, unknown>): Promise<Record<string, unknown>> {
  const current = await readRegistration(http, client);
  const next: Record<string, unknown> = {};
  for (const [key, value] of Object.entries({ ...current, ...patch })) {
    if (!['registration_access_token', 'registration_client_uri', 'client_id_issued_at', 'client_secret_expires_at'].includes(key)) next[key] = value;
  }
  const response = await manage(http, client, 'PUT', next);
  const body = response.status === 200 ? await readJsonObject(response) : undefined;
  if (!body) throw new OAuthFlowError('REGISTRATION_FAILED', `updating the registration failed (HTTP ${response.status})`);
  return body;
}

export async function deleteRegistration(http: HttpContext, client: StoredClient | undefined): Promise<void> {
  const response = await manage(http, client, 'DELETE');
  await response.body?.cancel();
  if (response.status !== 204 && response.status !== 200) {
    throw new OAuthFlowError('REGISTRATION_FAILED', `deleting the registration failed (HTTP ${response.status})`);
  }
}

const ARRAY_FIELDS = new Set(['redirect_uris', 'grant_types', 'response_types', 'contacts', 'post_logout_redirect_uris', 'default_acr_values']);

/** Pure: parses `key=value,key=value` (array fields take space-separated values). Refuses reserved keys. */
export function parseClientPatch(text: string): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const part of text.split(',')) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new OAuthFlowError('REGISTRATION_FAILED', `--update-client expects key=value pairs, got "${trimmed}"`);
    const key = trimmed.slice(0, eq).trim();
    const value = trimmed.slice(eq + 1).trim();
    if (RESERVED.has(key) || !/^[a-z_][a-z0-9_#-]*$/i.test(key)) throw new OAuthFlowError('REGISTRATION_FAILED', `--update-client cannot change "${key}"`);
    patch[key] = ARRAY_FIELDS.has(key) ? value.split(/\s+/).filter(Boolean) : value;
  }
  if (Object.keys(patch).length === 0) throw new OAuthFlowError('REGISTRATION_FAILED', '--update-client needs at least one key=value');
  return patch;
}
