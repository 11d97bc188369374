/**
 * Verifies JWT access tokens (RFC 9068) against the issuer's JWKS with jose: signature, `iss`, `aud` (the
 * resource), `exp`/`nbf`. Implements the SDK's OAuthTokenVerifier so verifyBearerToken can do the rest.
 */
import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { OAuthError, OAuthErrorCode, type AuthInfo, type OAuthTokenVerifier } from '@modelcontextprotocol/server';

export interface JwtVerifierOptions {
  issuer: string;
  /** The resource (audience) tokens must be issued for. */
  resource: URL;
  /** Resolved lazily: the issuer's jwks_uri. */
  jwksUri: () => Promise<string>;
  algorithms?: string[];
  timeoutMs: number;
}

function scopesOf(payload: JWTPayload): string[] {
  const scope = payload.scope;
  if (typeof scope === 'string') return scope.split(/\s+/).filter(Boolean);
  const scp = (payload as Record<string, unknown>).scp;
  return Array.isArray(scp) ? scp.filter((s): s is string => typeof s === 'string') : [];
}

function audiences(resource: URL): string[] {
  const href = resource.href;
  return [...new Set([href, href.replace(/\/$/, ''), `${href.replace(/\/$/, '')}/`])];
}

export function createJwtVerifier(options: JwtVerifierOptions): OAuthTokenVerifier {
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined;
  const keySet = async (): Promise<ReturnType<typeof createRemoteJWKSet>> => {
    keys ??= createRemoteJWKSet(new URL(await options.jwksUri()), { timeoutDuration: options.timeoutMs });
    return keys;
  };
  return {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, await keySet(), {
          issuer: options.issuer,
          audience: audiences(options.resource),
          ...(options.algorithms ? { algorithms: options.algorithms } : {}),
        }));
      } catch (error) {
        if (error instanceof joseErrors.JOSEError && !(error instanceof joseErrors.JWKSTimeout)) {
          throw new OAuthError(OAuthErrorCode.InvalidToken, 'The access token is invalid or expired');
        }
        throw new OAuthError(OAuthErrorCode.ServerError, 'Cannot verify access tokens right now');
      }
      const clientId = typeof payload.client_id === 'string' ? payload.client_id : typeof payload.azp === 'string' ? payload.azp : '';
      return {
        token,
        clientId,
        scopes: scopesOf(payload),
        ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp } : {}),
        resource: options.resource,
        extra: { sub: payload.sub, iss: payload.iss },
      };
    },
  };
}
