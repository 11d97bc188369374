/** Static bearer tokens (the operator's --auth-token list), compared in constant time via SHA-256 digests. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { OAuthError, OAuthErrorCode, type AuthInfo, type OAuthTokenVerifier } from '@modelcontextprotocol/server';
import { ProxyError } from '../../shared/errors.js';

export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

export function createStaticTokenVerifier(tokens: string[], nowSeconds: () => number): OAuthTokenVerifier {
  if (tokens.length === 0 || tokens.some((t) => t.length === 0)) throw new ProxyError('CONFIG_INVALID', 'bearer auth needs at least one non-empty token');
  const digests = tokens.map((t) => createHash('sha256').update(t).digest());
  return {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      const candidate = createHash('sha256').update(token).digest();
      let match = false;
      for (const digest of digests) match = timingSafeEqual(digest, candidate) || match; // no early exit
      if (!match) throw new OAuthError(OAuthErrorCode.InvalidToken, 'The access token is invalid');
      // Static tokens do not expire; verifyBearerToken wants an expiry, so give it "a minute from now".
      return { token, clientId: 'static', scopes: [], expiresAt: Math.floor(nowSeconds()) + 60, extra: { fingerprint: tokenFingerprint(token) } };
    },
  };
}
