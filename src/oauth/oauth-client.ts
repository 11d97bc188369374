/**
 * The public face of src/oauth: createOAuthClient(options) → an authenticated fetch for the SDK transports,
 * plus the commands behind --login, --logout, --token and RFC 7592 client management.
 */
import { OAuthFlowError } from '../shared/errors.js';
import type { CredentialState } from './credential-state.js';
import type { FetchLike, HttpContext } from './http.js';
import { resolveOptions, type OAuthClientOptions } from './options.js';
import { classifyRejection, isExpiring } from './refresh-policy.js';
import { deleteRegistration, readRegistration, storedClientFrom, updateRegistration } from './registration.js';
import { createTokenSession } from './token-session.js';
import { parseBearerChallenge } from './www-authenticate.js';

export type { OAuthClientOptions } from './options.js';

export interface TokenStatus {
  serverUrl: string;
  /** The file credentials are kept in. */
  store: string;
  loggedIn: boolean;
  issuer?: string;
  clientId?: string;
  /** Epoch ms. */
  expiresAt?: number;
  expired?: boolean;
  scope?: string;
  hasRefreshToken: boolean;
  /** Only with `includeSecrets`. */
  accessToken?: string;
  refreshToken?: string;
  clientSecret?: string;
}

export interface OAuthClient {
  /** fetch for the MCP server: adds the bearer token, refreshes proactively, and on 401/403 runs the flow and retries once. */
  fetch: FetchLike;
  /** Logs in now (browser), replacing any stored tokens. */
  login(): Promise<TokenStatus>;
  /** Forgets the tokens; with `all`, the client registration too. */
  logout(options?: { all?: boolean }): Promise<void>;
  /** What is stored; with `refresh`, refreshes an expired token first (never opens a browser). */
  status(options?: { refresh?: boolean; includeSecrets?: boolean }): Promise<TokenStatus>;
  /** RFC 7592 read of the stored registration. */
  getClientInfo(): Promise<Record<string, unknown>>;
  /** RFC 7592 update: the current registration with `patch` applied, PUT in full. */
  updateClient(patch: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** RFC 7592 delete at the server, then forget the client and its tokens locally. */
  deleteClient(): Promise<void>;
}

/** A body that can be sent twice (the retry after a 401/403). Streams cannot. */
function replayable(body: RequestInit['body']): boolean {
  return body === undefined || body === null || typeof body === 'string' || body instanceof URLSearchParams || body instanceof ArrayBuffer || ArrayBuffer.isView(body) || body instanceof Blob;
}

export function createOAuthClient(options: OAuthClientOptions): OAuthClient {
  const opts = resolveOptions(options);
  const http: HttpContext = { fetch: opts.fetch, timeoutMs: opts.httpTimeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) };
  const session = createTokenSession(opts, http);
  const { logger } = opts;

  const toStatus = (state: CredentialState, includeSecrets: boolean): TokenStatus => {
    const tokens = state.tokens;
    const status: TokenStatus = { serverUrl: opts.serverUrl.href, store: opts.store.location, loggedIn: Boolean(tokens), hasRefreshToken: Boolean(tokens?.refresh_token) };
    if (state.issuer) status.issuer = state.issuer;
    const clientId = tokens?.client_id ?? state.client?.client_id ?? opts.clientId;
    if (clientId) status.clientId = clientId;
    if (tokens?.expires_at !== undefined) {
      status.expiresAt = tokens.expires_at;
      status.expired = isExpiring(tokens, opts.now(), 0);
    }
    if (tokens?.scope) status.scope = tokens.scope;
    if (includeSecrets) {
      if (tokens?.access_token) status.accessToken = tokens.access_token;
      if (tokens?.refresh_token) status.refreshToken = tokens.refresh_token;
      const secret = state.client?.client_secret ?? opts.clientSecret;
      if (secret) status.clientSecret = secret;
    }
    return status;
  };

  const authedFetch: FetchLike = async (input, init = {}) => {
    const send = (token: string | undefined): Promise<Response> => {
      const headers = new Headers(init.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return opts.fetch(input, { ...init, headers });
    };
    const state = await session.state();
    // No tokens yet: ask without one, so the server's 401 tells us where to authenticate and which scope.
    let token = state.tokens ? (await session.obtain({})).access_token : undefined;
    let response = await send(token);
    if (response.status !== 401 && response.status !== 403) return response;
    const challenge = parseBearerChallenge(response.headers.get('www-authenticate'));
    const action = classifyRejection(response.status, challenge);
    if (action === 'none' || (action === 'step-up' && !challenge?.scope) || !replayable(init.body)) return response;
    session.rememberChallenge(challenge);
    logger.debug('MCP server asked for authorization', { status: response.status, error: challenge?.error, scope: challenge?.scope });
    await response.body?.cancel();
    const need = action === 'step-up' ? { stepUpScope: challenge?.scope as string, ...(token ? { rejected: token } : {}) } : token ? { rejected: token } : {};
    token = (await session.obtain(need)).access_token;
    response = await send(token);
    return response;
  };

  const requireClient = async (): Promise<CredentialState> => {
    const state = await session.state();
    if (!state.client) {
      throw new OAuthFlowError('MANAGEMENT_UNSUPPORTED', `no registered client for ${opts.serverUrl.href} in ${opts.store.location}; log in first (static --client-id clients cannot be managed)`);
    }
    return state;
  };

  return {
    fetch: authedFetch,
    async login() {
      await session.obtain({ forceLogin: true });
      return toStatus(await session.state(), false);
    },
    async logout(logoutOptions = {}) {
      await session.mutate(async (state) => {
        const next: CredentialState = { ...state };
        delete next.tokens;
        if (logoutOptions.all) {
          delete next.client;
          delete next.issuer;
          delete next.resource;
        }
        return next;
      });
      logger.info(logoutOptions.all ? 'forgot tokens and client registration' : 'forgot tokens', { store: opts.store.location });
    },
    async status(statusOptions = {}) {
      const state = await session.state();
      if (statusOptions.refresh && state.tokens && isExpiring(state.tokens, opts.now(), opts.expirySkewMs)) {
        await session.obtain({ noLogin: true });
      }
      return toStatus(await session.state(), Boolean(statusOptions.includeSecrets));
    },
    async getClientInfo() {
      const state = await requireClient();
      return readRegistration(http, state.client);
    },
    async updateClient(patch) {
      let result: Record<string, unknown> = {};
      await session.mutate(async (state) => {
        if (!state.client) throw new OAuthFlowError('MANAGEMENT_UNSUPPORTED', `no registered client in ${opts.store.location}`);
        result = await updateRegistration(http, state.client, patch);
        const updated = storedClientFrom(state.client.issuer ?? state.issuer ?? '', { ...result });
        // RFC 7592 §2.2: the server may rotate the registration access token; keep the old one if it did not.
        updated.registration_access_token ??= state.client.registration_access_token;
        updated.registration_client_uri ??= state.client.registration_client_uri;
        if (!state.client.issuer) delete updated.issuer;
        return { ...state, client: updated };
      });
      return result;
    },
    async deleteClient() {
      await requireClient();
      await session.mutate(async (state) => {
        await deleteRegistration(http, state.client);
        const next: CredentialState = { ...state };
        delete next.client;
        delete next.tokens;
        return next;
      });
      logger.info('client registration deleted at the server and forgotten locally', { store: opts.store.location });
    },
  };
}
