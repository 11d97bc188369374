/**
 * Client registration: RFC 7591 dynamic registration, and RFC 7592 read / update /
 * delete of that registration with its registration access token.
 */
import { OAuthFlowError } from '../../shared/errors.js';
import { registeredAuthMethod } from './client-identity.js';
import type { StoredClient } from '../store/credential-state.js';
import type { AuthorizationServerInfo } from '../discovery/discovery.js';
import { mapOAuthError } from '../error-mapping.js';
import { readJsonObject, timedFetch, type HttpContext } from '../http.js';
import { assertSecureEndpoint, safeForMessage } from '../discovery/url-safety.js';

export interface RegistrationRequest {
  /** The loopback redirect URI; absent for a device-grant client (RFC 8628), which has none. */
  redirectUri?: string;
  clientName: string;
}

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * Pure: the token endpoint auth method to ask for — one the server lists, preferring a public client.
 * Without a list, RFC 8414 §2's default applies: the server supports client_secret_basic.
 */
export function chooseRegistrationAuthMethod(supported: string[] | undefined): string {
  if (!supported) return 'client_secret_basic';
  for (const method of ['none', 'client_secret_basic', 'client_secret_post']) if (supported.includes(method)) return method;
  return 'none';
}

const RESERVED = new Set(['client_id', 'client_secret', 'registration_access_token', 'registration_client_uri', 'client_id_issued_at', 'client_secret_expires_at', 'token_endpoint_auth_method']);

/**
 * A registration response → what we store. Tolerant the way RFC 7591 allows servers to be: a missing
 * `client_secret_expires_at` means the secret does not expire, a secret may come although we asked for a
 * public client, and echoed metadata may be left out. Only a missing `client_id` is refused.
 */
export function storedClientFrom(issuer: string, registered: Record<string, unknown>): StoredClient {
  const str = (key: string): string | undefined => (typeof registered[key] === 'string' && registered[key] !== '' ? (registered[key] as string) : undefined);
  const clientId = str('client_id');
  if (!clientId) throw new OAuthFlowError('REGISTRATION_FAILED', 'the registration response has no client_id');
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(registered)) if (!RESERVED.has(key) && key !== 'redirect_uris') metadata[key] = value;
  const client: StoredClient = { client_id: clientId, issuer, metadata };
  const secret = str('client_secret');
  if (secret) client.client_secret = secret;
  client.token_endpoint_auth_method = registeredAuthMethod(str('token_endpoint_auth_method'), Boolean(secret));
  if (Array.isArray(registered.redirect_uris)) client.redirect_uris = registered.redirect_uris.filter((u): u is string => typeof u === 'string');
  const regToken = str('registration_access_token');
  if (regToken) client.registration_access_token = regToken;
  const regUri = str('registration_client_uri');
  if (regUri) client.registration_client_uri = assertSecureEndpoint(regUri, 'registration_client_uri').href;
  return client;
}

/**
 * RFC 7591 registration. A plain JSON POST to the validated registration endpoint rather than openid-client's
 * dynamicClientRegistration, which refuses responses deployed servers send (HTTP 200 instead of 201, a secret
 * without client_secret_expires_at).
 */
export async function registerClient(http: HttpContext, as: AuthorizationServerInfo, request: RegistrationRequest): Promise<StoredClient> {
  const endpoint = as.metadata.registration_endpoint;
  if (!endpoint) {
    throw new OAuthFlowError('REGISTRATION_UNSUPPORTED', `authorization server ${as.issuer} does not support dynamic client registration; pass --client-id (and --client-secret)`);
  }
  // No `scope` here: it is optional (RFC 7591 §2), servers refuse resource scopes they list elsewhere, and it
  // would cap a later step-up. Scope is requested per authorization instead.
  const device = request.redirectUri === undefined;
  const metadata = {
    redirect_uris: device ? [] : [request.redirectUri as string],
    client_name: request.clientName,
    grant_types: device ? [DEVICE_CODE_GRANT, 'refresh_token'] : ['authorization_code', 'refresh_token'],
    response_types: device ? [] : ['code'],
    application_type: 'native',
    token_endpoint_auth_method: chooseRegistrationAuthMethod(as.metadata.token_endpoint_auth_methods_supported),
  };
  const url = assertSecureEndpoint(endpoint, 'registration_endpoint');
  let response: Response;
  try {
    response = await timedFetch(http, url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(metadata) });
  } catch (error) {
    throw mapOAuthError(error, { fallback: 'REGISTRATION_FAILED', action: 'dynamic client registration' });
  }
  const body = await readJsonObject(response);
  if (response.status !== 200 && response.status !== 201) {
    const error = typeof body?.error === 'string' ? `${body.error}${typeof body.error_description === 'string' ? `: ${safeForMessage(body.error_description)}` : ''}` : 'no error code';
    const code = response.status >= 500 ? 'AUTH_SERVER_UNAVAILABLE' : 'REGISTRATION_FAILED';
    throw new OAuthFlowError(code, `dynamic client registration at ${url.href} was refused (HTTP ${response.status}, ${error})`);
  }
  if (!body) throw new OAuthFlowError('REGISTRATION_FAILED', `dynamic client registration at ${url.href}: the response is not a JSON object`);
  return storedClientFrom(as.issuer, body);
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
