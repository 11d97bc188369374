/**
 * Getting a usable access token: the in-memory fast path, then — single-flight in this process and under the
 * cross-process lock — reload from disk (another process may have refreshed), refresh with bounded retries,
 * or log in. Nothing here reads a token into a log line.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { OAuthFlowError, isOAuthFlowError } from '../shared/errors.js';
import { runLogin, type LoginResult } from './flow/authorize.js';
import { runClientCredentials } from './grants/client-credentials.js';
import { runDeviceLogin } from './flow/device-flow.js';
import { staticAuthMethod, type ClientIdentity } from './grants/client-identity.js';
import type { CredentialState, StoredTokens } from './store/credential-state.js';
import { discoverAuthorizationServer, discoverProtectedResource, type AuthorizationServerInfo, type ProtectedResourceInfo } from './discovery/discovery.js';
import { withFileLock } from './store/file-lock.js';
import type { HttpContext } from './http.js';
import type { ResolvedOptions } from './options.js';
import { classifyRefreshFailure, decideTokenAction, MAX_REFRESH_ATTEMPTS, retryDelayMs, type TokenAction } from './refresh-policy.js';
import { selectScope } from './scope.js';
import { createSingleFlight } from './single-flight.js';
import { configurationFor, refreshGrant } from './grants/token-grants.js';
import type { BearerChallenge } from './discovery/www-authenticate.js';

export interface TokenNeed {
  /** The resource server refused this access token. */
  rejected?: string;
  /** Step-up: the token must carry these scopes. */
  stepUpScope?: string;
  /** Log in even if the stored tokens look fine (--login). */
  forceLogin?: boolean;
  /** Refresh if needed but never start a browser login. */
  noLogin?: boolean;
}

export interface Discovered {
  prm: ProtectedResourceInfo;
  as: AuthorizationServerInfo;
}

export interface TokenSession {
  /** A token satisfying `need` (may refresh or log in). */
  obtain(need: TokenNeed): Promise<StoredTokens>;
  /** The stored state as last read or written (reads the store the first time). */
  state(): Promise<CredentialState>;
  /** Runs `fn` on freshly loaded state under the lock; saves and caches what it returns. */
  mutate(fn: (state: CredentialState) => Promise<CredentialState>): Promise<CredentialState>;
  discover(): Promise<Discovered>;
  /** The client identity the stored tokens were issued to, for refresh and revocation. */
  identityFor(state: CredentialState, tokens: StoredTokens, as: AuthorizationServerInfo): ClientIdentity | undefined;
  rememberChallenge(challenge: BearerChallenge | undefined): void;
}

function actionFor(tokens: StoredTokens | undefined, need: TokenNeed, now: number, skewMs: number): TokenAction {
  return decideTokenAction({
    tokens, now, skewMs,
    ...(need.rejected ? { rejected: need.rejected } : {}),
    ...(need.forceLogin ? { forceLogin: true } : {}),
    ...(need.stepUpScope !== undefined ? { stepUpScope: need.stepUpScope } : {}),
  });
}

function satisfies(tokens: StoredTokens | undefined, need: TokenNeed, now: number, skewMs: number): tokens is StoredTokens {
  return actionFor(tokens, need, now, skewMs) === 'use';
}

export function createTokenSession(opts: ResolvedOptions, http: HttpContext): TokenSession {
  const { logger, store } = opts;
  let memory: CredentialState | undefined;
  let discovered: Discovered | undefined;
  /** The challenge's resource_metadata that `discovered` answers (it may have come from a fallback). */
  let discoveredFor: string | undefined;
  let challenge: BearerChallenge | undefined;
  const flight = createSingleFlight<StoredTokens>();

  const usable = (state: CredentialState): StoredTokens | undefined => {
    const tokens = state.tokens;
    if (!tokens) return undefined;
    if (opts.clientId && tokens.client_id && tokens.client_id !== opts.clientId) return undefined;
    return tokens;
  };

  const discover = async (): Promise<Discovered> => {
    const wanted = challenge?.resourceMetadata;
    if (discovered && (!wanted || wanted === discoveredFor || wanted === discovered.prm.metadataUrl)) return discovered;
    opts.onProgress({ step: 'discovering', detail: opts.serverUrl.href });
    const prm = await discoverProtectedResource(http, opts.serverUrl, wanted, logger);
    // No protected-resource metadata: a 2025-03-26 server, whose AS may also lack metadata (default endpoints).
    // The client-credentials grant needs neither an authorization endpoint nor PKCE.
    const as = await discoverAuthorizationServer(http, prm.authorizationServer, logger, { legacyDefaults: prm.metadataUrl === undefined, tokenOnly: opts.clientCredentials });
    discovered = { prm, as };
    discoveredFor = wanted;
    return discovered;
  };

  const locked = <T>(fn: () => Promise<T>): Promise<T> =>
    withFileLock(
      { path: store.lockPath, waitMs: opts.lockWaitMs, staleMs: opts.lockWaitMs + 60_000, ...(opts.signal ? { signal: opts.signal } : {}), onWait: () => opts.onProgress({ step: 'waiting-for-lock' }) },
      fn,
    );

  const save = async (state: CredentialState): Promise<void> => {
    await store.save(state);
    memory = state;
  };

  const refreshIdentity = (state: CredentialState, tokens: StoredTokens, as: AuthorizationServerInfo): ClientIdentity | undefined => {
    const clientId = tokens.client_id;
    if (opts.clientId && (!clientId || clientId === opts.clientId)) {
      return { source: 'static', clientId: opts.clientId, ...(opts.clientSecret ? { clientSecret: opts.clientSecret } : {}), authMethod: staticAuthMethod(Boolean(opts.clientSecret), as.metadata.token_endpoint_auth_methods_supported) };
    }
    if (opts.clientMetadataUrl && clientId === opts.clientMetadataUrl) return { source: 'metadata-document', clientId, authMethod: 'none' };
    const client = state.client;
    if (client && (!clientId || clientId === client.client_id)) {
      return { source: 'stored', clientId: client.client_id, ...(client.client_secret ? { clientSecret: client.client_secret } : {}), authMethod: client.token_endpoint_auth_method ?? (client.client_secret ? 'client_secret_basic' : 'none'), registration: client };
    }
    return undefined;
  };

  /**
   * The refreshed tokens, or undefined when only a new login can help (invalid_grant, unknown client). An AS
   * that no longer knows our registered client (invalid_client) also makes us forget the registration, so
   * the login registers afresh.
   */
  const refresh = async (state: CredentialState, tokens: StoredTokens): Promise<StoredTokens | undefined> => {
    const { prm, as } = await discover();
    if (state.issuer && state.issuer !== as.issuer) return undefined;
    const identity = refreshIdentity(state, tokens, as);
    if (!identity) return undefined;
    const config = configurationFor(http, as, identity);
    for (let attempt = 0; ; attempt++) {
      try {
        const fresh = await refreshGrant(config, tokens, opts.useResource ? prm.resource : undefined, opts.now(), identity.clientId);
        logger.debug('access token refreshed', { issuer: as.issuer, expiresAt: fresh.expires_at });
        return fresh;
      } catch (error) {
        const code = isOAuthFlowError(error) ? error.code : 'TOKEN_REQUEST_FAILED';
        const next = classifyRefreshFailure(code, attempt, MAX_REFRESH_ATTEMPTS);
        if (next === 'relogin') {
          if (code === 'INVALID_CLIENT' && identity.registration) {
            logger.info('the authorization server no longer knows the registered client; will register again', { issuer: as.issuer, clientId: identity.clientId });
            delete state.client;
          } else {
            logger.info('refresh token no longer valid; a new login is needed', { issuer: as.issuer });
          }
          return undefined;
        }
        if (next === 'fail') throw error;
        logger.warn('refresh failed; retrying', { attempt: attempt + 1, code });
        await sleep(retryDelayMs(attempt), undefined, opts.signal ? { signal: opts.signal } : undefined);
      }
    }
  };

  /**
   * A login; when the code exchange says invalid_client for a client we registered (the AS lost it), the
   * registration is replaced by one fresh registration and the login runs once more. Never more than once.
   */
  const loginReplacingStaleClient = async (prm: ProtectedResourceInfo, as: AuthorizationServerInfo, state: CredentialState, scope: string | undefined, verify: boolean): Promise<LoginResult> => {
    try {
      return await runLogin(opts, http, prm, as, state, scope, verify);
    } catch (error) {
      if (!isOAuthFlowError(error, 'INVALID_CLIENT') || !state.client || opts.clientId || !as.metadata.registration_endpoint) throw error;
      logger.info('the authorization server refused the registered client; registering again once', { issuer: as.issuer, clientId: state.client.client_id });
      const fresh: CredentialState = { ...state };
      delete fresh.client;
      return runLogin(opts, http, prm, as, fresh, scope);
    }
  };

  const renew = (need: TokenNeed): Promise<StoredTokens> =>
    locked(async () => {
      const state = await store.load();
      memory = state;
      const tokens = usable(state);
      const action = actionFor(tokens, need, opts.now(), opts.expirySkewMs);
      if (action === 'use' && tokens) return tokens; // another process got there first
      if (action === 'refresh' && tokens) {
        const fresh = await refresh(state, tokens);
        if (fresh && satisfies(fresh, need, opts.now(), opts.expirySkewMs)) {
          await save({ ...state, tokens: fresh });
          return fresh;
        }
        if (fresh) {
          state.tokens = fresh;
        } else {
          state.tokens = undefined; // dead refresh token: drop it, never loop on it
        }
        await save(state);
      }
      // Client credentials need no person, so they are never "a login" that noLogin/interactive forbid.
      if (!opts.clientCredentials && (need.noLogin || (!opts.interactive && !need.forceLogin))) {
        throw new OAuthFlowError('LOGIN_REQUIRED', `not logged in to ${opts.serverUrl.href}; run mcp-client --login`);
      }
      const { prm, as } = await discover();
      const serverScopes = as.metadata.scopes_supported;
      const scope = selectScope({
        ...(opts.scope ? { configured: opts.scope } : {}),
        ...((need.stepUpScope ?? challenge?.scope) ? { challenge: need.stepUpScope ?? challenge?.scope } : {}),
        ...(prm.scopesSupported ? { resourceScopes: prm.scopesSupported } : {}),
        ...(need.stepUpScope ? { granted: state.tokens?.scope ?? '' } : {}),
        ...(Array.isArray(serverScopes) ? { serverScopes } : {}),
      });
      try {
        // A step-up with working tokens needs no check of the client that obtained them.
        const result = opts.clientCredentials
          ? await runClientCredentials(opts, http, prm, as, scope)
          : opts.deviceCode
            ? await runDeviceLogin(opts, http, prm, as, state, scope)
            : await loginReplacingStaleClient(prm, as, state, scope, need.forceLogin === true || !state.tokens);
        const next: CredentialState = { ...state, issuer: as.issuer, resource: prm.resource, tokens: result.tokens };
        if (result.identity.registration) next.client = result.identity.registration;
        await save(next);
        opts.onProgress({ step: 'done', detail: as.issuer });
        logger.info('logged in', { issuer: as.issuer, clientId: result.identity.clientId, scope: result.tokens.scope });
        return result.tokens;
      } catch (error) {
        opts.onProgress({ step: 'failed', detail: error instanceof Error ? error.message : String(error) });
        throw error;
      }
    });

  return {
    async obtain(need) {
      if (!memory) memory = await store.load();
      const current = usable(memory);
      if (current && satisfies(current, need, opts.now(), opts.expirySkewMs)) return current;
      // A step-up is one authorization per call; the caller counts the attempts (the server decides).
      if (need.stepUpScope !== undefined) return flight.run(() => renew(need));
      for (let round = 0; round < 2; round++) {
        const tokens = await flight.run(() => renew(need));
        if (satisfies(tokens, { ...need, forceLogin: false }, opts.now(), opts.expirySkewMs)) return tokens;
      }
      throw new OAuthFlowError('LOGIN_REQUIRED', `could not obtain a token for ${opts.serverUrl.href} that the server accepts`);
    },
    async state() {
      if (!memory) memory = await store.load();
      return memory;
    },
    mutate(fn) {
      return locked(async () => {
        const next = await fn(await store.load());
        await save(next);
        return next;
      });
    },
    discover,
    identityFor: refreshIdentity,
    rememberChallenge(value) {
      if (value) challenge = value;
    },
  };
}
