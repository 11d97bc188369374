/**
 * RFC 7009 token revocation for --logout: the refresh token first (revoking it may end its access tokens
 * too), then the access token, authenticated like every other token-endpoint request. Best effort: a
 * failure is logged and the tokens are still forgotten locally.
 */
import * as oidc from 'openid-client';
import { mapOAuthError } from '../error-mapping.js';
import type { HttpContext } from '../http.js';
import type { ResolvedOptions } from '../options.js';
import { configurationFor } from './token-grants.js';
import type { TokenSession } from '../token-session.js';

/** How many tokens the authorization server accepted for revocation (0 when it has no revocation endpoint). */
export async function revokeStoredTokens(session: TokenSession, http: HttpContext, opts: ResolvedOptions): Promise<number> {
  const state = await opts.store.load();
  const tokens = state.tokens;
  if (!tokens) return 0;
  let discovered;
  try {
    discovered = await session.discover();
  } catch (error) {
    opts.logger.warn('could not reach the authorization server to revoke the tokens; forgetting them locally only', { code: mapOAuthError(error, { fallback: 'DISCOVERY_FAILED', action: 'discovery' }).code });
    return 0;
  }
  const { as } = discovered;
  if (!as.metadata.revocation_endpoint || (state.issuer && state.issuer !== as.issuer)) {
    opts.logger.info('the authorization server has no revocation endpoint; forgetting the tokens locally only', { issuer: as.issuer });
    return 0;
  }
  const identity = session.identityFor(state, tokens, as);
  if (!identity) return 0;
  const config = configurationFor(http, as, identity);
  let revoked = 0;
  const pairs: [string | undefined, string][] = [
    [tokens.refresh_token, 'refresh_token'],
    [tokens.access_token, 'access_token'],
  ];
  for (const [value, hint] of pairs) {
    if (!value) continue;
    try {
      await oidc.tokenRevocation(config, value, { token_type_hint: hint });
      revoked++;
    } catch (error) {
      opts.logger.warn('token revocation failed; the token is forgotten locally', { hint, code: mapOAuthError(error, { fallback: 'TOKEN_REQUEST_FAILED', action: 'revoking a token' }).code });
    }
  }
  return revoked;
}
