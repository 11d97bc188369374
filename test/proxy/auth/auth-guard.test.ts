import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthGuard } from '../../../src/proxy/auth/auth-guard.js';
import { isProxyError } from '../../../src/shared/errors.js';
import { parseBearerChallenge } from '../../../src/oauth/discovery/www-authenticate.js';
import { startOAuthFixture, type OAuthFixture } from '../../helpers/oauth-fixture.js';

describe('bearer mode (static tokens)', () => {
  const guard = createAuthGuard({ mode: 'bearer', tokens: ['s3cret-token-one', 'another-token'] });

  it('accepts a listed token with a principal that does not reveal it', async () => {
    const result = await guard.authenticate({ authorization: 'Bearer another-token' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.principal).toMatch(/^bearer:[0-9a-f]{16}$/);
    expect(result.principal).not.toContain('another-token');
    const again = await guard.authenticate({ authorization: 'Bearer another-token' });
    expect(again.ok && again.principal).toBe(result.principal);
  });

  it('refuses wrong, missing and malformed credentials with a Bearer challenge', async () => {
    for (const authorization of ['Bearer wrong', undefined, 'Basic czNjcmV0', 'Bearer ']) {
      const result = await guard.authenticate(authorization === undefined ? {} : { authorization });
      expect(result.ok, String(authorization)).toBe(false);
      if (result.ok) continue;
      expect(result.status).toBe(401);
      expect(parseBearerChallenge(result.headers['www-authenticate'])?.error).toBe('invalid_token');
      expect(JSON.parse(result.body).error).toBe('invalid_token');
    }
    expect(await guard.handleMetadataRequest('GET', '/.well-known/oauth-protected-resource')).toBeUndefined();
  });

  it('refuses an empty token list at construction', () => {
    let error: unknown;
    try {
      createAuthGuard({ mode: 'bearer', tokens: [] });
    } catch (e) {
      error = e;
    }
    expect(isProxyError(error, 'CONFIG_INVALID')).toBe(true);
  });
});

describe('oauth mode (JWT access tokens from oidc-provider)', () => {
  let fx: OAuthFixture;
  let token: string;
  beforeAll(async () => {
    fx = await startOAuthFixture();
    const { oauth } = fx.client({ scope: 'mcp:read' });
    await oauth.login();
    token = (await oauth.status({ includeSecrets: true })).accessToken as string;
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('accepts a token issued for this resource and names the principal by issuer and subject', async () => {
    const result = await fx.mcp.guard.authenticate({ authorization: `Bearer ${token}` });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.principal).toBe(`oauth:${fx.as.issuer}#alice`);
    expect(result.authInfo.scopes).toContain('mcp:read');
    expect(result.authInfo.resource?.href).toBe(fx.mcp.url);
  });

  it('answers 403 insufficient_scope with scope and resource_metadata for a step-up', async () => {
    const result = await fx.mcp.guard.authenticate({ authorization: `Bearer ${token}` }, { requiredScopes: ['mcp:read', 'mcp:admin'] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(403);
    expect(parseBearerChallenge(result.headers['www-authenticate'])).toMatchObject({
      error: 'insufficient_scope',
      scope: 'mcp:read mcp:admin',
      resourceMetadata: `${new URL(fx.mcp.url).origin}/.well-known/oauth-protected-resource/mcp`,
    });
  });

  it('refuses a token for another resource, a tampered token and no token', async () => {
    const elsewhere = createAuthGuard({ mode: 'oauth', issuer: fx.as.issuer, resource: 'http://127.0.0.1:1/other' });
    const wrongAudience = await elsewhere.authenticate({ authorization: `Bearer ${token}` });
    expect(wrongAudience.ok || wrongAudience.status).toBe(401);
    const [h, p, s] = token.split('.') as [string, string, string];
    const tampered = `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const bad = await fx.mcp.guard.authenticate({ authorization: `Bearer ${tampered}` });
    expect(bad.ok || bad.status).toBe(401);
    const none = await fx.mcp.guard.authenticate({});
    expect(none.ok).toBe(false);
    if (none.ok) return;
    const challenge = parseBearerChallenge(none.headers['www-authenticate']);
    expect(challenge?.resourceMetadata).toBe(fx.mcp.guard.resourceMetadataUrl);
    expect(challenge?.scope).toBe('mcp:read');
  });

  it('serves RFC 9728 metadata on the path-specific well-known URL only', async () => {
    const doc = await fx.mcp.guard.handleMetadataRequest('GET', '/.well-known/oauth-protected-resource/mcp');
    expect(doc?.status).toBe(200);
    expect(JSON.parse(doc?.body ?? '{}')).toMatchObject({ resource: fx.mcp.url, authorization_servers: [fx.as.issuer], scopes_supported: ['mcp:read', 'mcp:write', 'mcp:admin'] });
    expect((await fx.mcp.guard.handleMetadataRequest('POST', '/.well-known/oauth-protected-resource/mcp'))?.status).toBe(405);
    expect(await fx.mcp.guard.handleMetadataRequest('GET', '/mcp')).toBeUndefined();
  });
});

describe('EdgeAuthenticator adapter', () => {
  it('passes the principal through and serves the metadata path only', async () => {
    const { toEdgeAuthenticator } = await import('../../../src/proxy/auth/edge-authenticator.js');
    const edge = toEdgeAuthenticator(createAuthGuard({ mode: 'bearer', tokens: ['tok'] }));
    const ok = await edge.authenticate({ headers: { authorization: 'Bearer tok' } } as never);
    expect(ok.ok && ok.principal).toMatch(/^bearer:/);
    const refused = await edge.authenticate({ headers: {} } as never);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect((refused.body as { error: string }).error).toBe('invalid_token');
    expect(edge.serveWellKnown?.({ url: '/.well-known/oauth-protected-resource', headers: {} } as never, {} as never)).toBe(false);
  });
});
