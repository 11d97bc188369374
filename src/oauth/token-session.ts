/**
 * Getting a usable access token: the in-memory fast path, then — single-flight in this process and under the
 * cross-process lock — reload from disk (another process may have refreshed), refresh with bounded retries,
 * or log in. Nothing here reads a token into a log line.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { OAuthFlowError, isOAuthFlowError } from '../shared/errors.js';
import { runLogin } from './authorize.js';
import { runClientCredentials } from './client-credentials.js';
import { runDeviceLogin } from './device-flow.js';
import { staticAuthMethod, type ClientIdentity } from './client-identity.js';
import type { CredentialState, StoredTokens } from './credential-state.js';
import { discoverAuthorizationServer, discoverProtectedResource, type AuthorizationServerInfo, type ProtectedResourceInfo } from './discovery.js';
import { withFileLock } from './file-lock.js';
import type { HttpContext } from './http.js';
import type { ResolvedOptions } from './options.js';
import { classifyRefreshFailure, decideTokenAction, MAX_REFRESH_ATTEMPTS, retryDelayMs } from './refresh-policy.js';
import { scopeSatisfies, selectScope } from './scope.js';
import { createSingleFlight } from './single-flight.js';
import { configurationFor, refreshGrant } from './token-grants.js';
import type { BearerChallenge } from './www-authenticate.js';

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
  rememberChallenge(challenge: BearerChallenge | undefined): void;
}

function satisfies(tokens: StoredTokens | undefined, need: TokenNeed, now: number, skewMs: number): boolean {
  if (!tokens || need.forceLogin) return false;
  if (decideTokenAction({ tokens, now, skewMs, ...(need.rejected ? { rejected: need.rejected } : {}) }) !== 'use') return false;
  return need.stepUpScope === undefined || scopeSatisfies(tokens.scope, need.stepUpScope);
}

export function createTokenSession(opts: ResolvedOptions, http: HttpContext): TokenSession {
  const { logger, store } = opts;
  let memory: CredentialState | undefined;
  let discovered: Discovered | undefined;
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
    if (discovered && (!wanted || wanted === discovered.prm.metadataUrl)) return discovered;
    opts.onProgress({ step: 'discovering', detail: opts.serverUrl.href });
    const prm = await discoverProtectedResource(http, opts.serverUrl, wanted, logger);
    const as = await discoverAuthorizationServer(http, prm.authorizationServer, logger, opts.clientCredentials);
    discovered = { prm, as };
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

  /** The refreshed tokens, or undefined when only a new login can help (invalid_grant, unknown client). */
  const refresh = async (state: CredentialState, tokens: StoredTokens): Promise<StoredTokens | undefined> => {
    const { prm, as } = await discover();
    if (state.issuer && state.issuer !== as.issuer) return undefined;
    const identity = refreshIdentity(state, tokens, as);
    if (!identity) return undefined;
    const config = configurationFor(http, as, identity);
    for (let attempt = 0; ; attempt++) {
      try {
        const fresh = await refreshGrant(config, tokens, prm.resource, opts.now(), identity.clientId);
        logger.debug('access token refreshed', { issuer: as.issuer, expiresAt: fresh.expires_at });
        return fresh;
      } catch (error) {
        const code = isOAuthFlowError(error) ? error.code : 'TOKEN_REQUEST_FAILED';
        const next = classifyRefreshFailure(code, attempt, MAX_REFRESH_ATTEMPTS);
        if (next === 'relogin') {
          logger.info('refresh token no longer valid; a new login is needed', { issuer: as.issuer });
          return undefined;
        }
        if (next === 'fail') throw error;
        logger.warn('refresh failed; retrying', { attempt: attempt + 1, code });
        await sleep(retryDelayMs(attempt), undefined, opts.signal ? { signal: opts.signal } : undefined);
      }
    }
  };

  const renew = (need: TokenNeed): Promise<StoredTokens> =>
    locked(async () => {
      const state = await store.load();
      memory = state;
      const tokens = usable(state);
      const now = opts.now();
      if (tokens && satisfies(tokens, need, now, opts.expirySkewMs)) return tokens; // another process got there first
      // A refresh cannot widen the scope, so a step-up goes straight to a new authorization.
      if (tokens?.refresh_token && !need.forceLogin && need.stepUpScope === undefined) {
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
      const scope = selectScope({
        ...(opts.scope ? { configured: opts.scope } : {}),
        ...((need.stepUpScope ?? challenge?.scope) ? { challenge: need.stepUpScope ?? challenge?.scope } : {}),
        ...(prm.scopesSupported ? { resourceScopes: prm.scopesSupported } : {}),
        ...(need.stepUpScope && state.tokens?.scope ? { granted: state.tokens.scope } : {}),
      });
      try {
        const result = opts.clientCredentials ? await runClientCredentials(opts, http, prm, as, scope) : opts.deviceCode ? await runDeviceLogin(opts, http, prm, as, state, scope) : await runLogin(opts, http, prm, as, state, scope);
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
    rememberChallenge(value) {
      if (value) challenge = value;
    },
  };
}
