import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface JwksIssuer {
  issuer: string;
  jwksUri: string;
  /** A signed RFC 9068-style access token from this issuer. */
  token(claims: { aud: string; scope: string; sub?: string }): Promise<string>;
  close(): Promise<void>;
}

/**
 * The smallest token issuer a resource server needs: one ES256 key served as a JWKS on 127.0.0.1. Its
 * metadata names a jwks_uri that does not exist, so only an explicitly configured JWKS URI verifies tokens.
 */
export async function startJwksIssuer(): Promise<JwksIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/oauth-authorization-server') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/no-such-jwks`, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, response_types_supported: ['code'], code_challenge_methods_supported: ['S256'] }));
      return;
    }
    if (req.url === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    res.writeHead(404).end();
  });
  let base = '';
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer: base,
    jwksUri: `${base}/jwks`,
    token: ({ aud, scope, sub = 'user-1' }) =>
      new SignJWT({ scope, client_id: 'test-client' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
        .setIssuer(base).setAudience(aud).setSubject(sub).setIssuedAt().setExpirationTime('5m')
        .sign(privateKey),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
