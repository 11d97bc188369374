/**
 * The public face of src/oauth: createOAuthClient(options) → an authenticated fetch for the SDK transports,
 * plus the commands behind --login, --logout, --token and RFC 7592 client management.
 */
import { OAuthFlowError } from '../shared/errors.js';
import type { CredentialState } from './store/credential-state.js';
import { resolveOptions, type OAuthClientOptions } from './options.js';
import { timedFetch, type HttpContext } from './http.js';
import type { FetchLike } from '../shared/fetch-like.js';
import { classifyRejection, isExpiring } from './refresh-policy.js';
import { revokeStoredTokens } from './grants/revocation.js';
import { MAX_AUTHORIZATION_ATTEMPTS } from './scope.js';
import { deleteRegistration, readRegistration, storedClientFrom, updateRegistration } from './grants/registration.js';
import { createTokenSession } from './token-session.js';
import { parseBearerChallenge } from './discovery/www-authenticate.js';

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
  /**
   * Revokes the stored tokens at the authorization server when it advertises a revocation endpoint (RFC 7009),
   * then forgets them; with `all`, the client registration too. `revoked` counts the tokens the AS accepted.
   */
  logout(options?: { all?: boolean }): Promise<{ revoked: number }>;
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

  /**
   * The MCP server's request with our token. A 401 gets a fresh token (refresh or login) and one retry. A 403
   * insufficient_scope gets a step-up authorization for the held and challenged scopes and a retry, at most
   * MAX_AUTHORIZATION_ATTEMPTS times for the operation; then a clear error, never a loop.
   */
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
    let reauthorized = false;
    let stepUps = 0;
    for (;;) {
      if (response.status !== 401 && response.status !== 403) return response;
      const challenge = parseBearerChallenge(response.headers.get('www-authenticate'));
      const action = classifyRejection(response.status, challenge);
      if (action === 'none' || (action === 'step-up' && !challenge?.scope) || !replayable(init.body)) return response;
      if (action === 'refresh' && reauthorized) return response;
      if (action === 'step-up' && stepUps >= MAX_AUTHORIZATION_ATTEMPTS) {
        await response.body?.cancel();
        throw new OAuthFlowError('INSUFFICIENT_SCOPE', `the server still demands scope "${challenge?.scope ?? ''}" after ${stepUps} authorizations for this request; the authorization server did not grant it (held: "${(await session.state()).tokens?.scope ?? ''}")`);
      }
      session.rememberChallenge(challenge);
      logger.debug('MCP server asked for authorization', { status: response.status, error: challenge?.error, scope: challenge?.scope });
      await response.body?.cancel();
      if (action === 'step-up') {
        stepUps++;
        token = (await session.obtain({ stepUpScope: challenge?.scope as string, ...(token ? { rejected: token } : {}) })).access_token;
      } else {
        reauthorized = true;
        token = (await session.obtain(token ? { rejected: token } : {})).access_token;
      }
      response = await send(token);
    }
  };

  /** --login has no request of its own: ask the server once without a token to learn its challenge. */
  const learnChallenge = async (): Promise<void> => {
    try {
      const response = await timedFetch(http, opts.serverUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }),
      });
      await response.body?.cancel();
      if (response.status === 401 || response.status === 403) session.rememberChallenge(parseBearerChallenge(response.headers.get('www-authenticate')));
    } catch (error) {
      logger.debug('could not reach the MCP server before signing in; using its metadata only', { code: (error as { code?: string }).code });
    }
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
      await learnChallenge();
      await session.obtain({ forceLogin: true });
      return toStatus(await session.state(), false);
    },
    async logout(logoutOptions = {}) {
      const revoked = await revokeStoredTokens(session, http, opts);
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
      logger.info(logoutOptions.all ? 'forgot tokens and client registration' : 'forgot tokens', { store: opts.store.location, revoked });
      return { revoked };
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
