import { describe, expect, it } from 'vitest';
import { isBrowserSafeUrl, isSecureEndpoint, assertSecureEndpoint, isLoopbackHost } from '../../src/oauth/discovery/url-safety.js';
import { parseBearerChallenge } from '../../src/oauth/discovery/www-authenticate.js';
import { authorizationServerMetadataUrls, issuerMatches, protectedResourceMetadataUrls, resourceCovers } from '../../src/oauth/discovery/discovery-urls.js';
import { scopeSatisfies, selectScope } from '../../src/oauth/scope.js';
import { classifyRefreshFailure, classifyRejection, decideTokenAction, isExpiring, retryDelayMs } from '../../src/oauth/refresh-policy.js';
import { chooseIdentitySource, staticAuthMethod } from '../../src/oauth/grants/client-identity.js';
import { chooseRegistrationAuthMethod, parseClientPatch } from '../../src/oauth/grants/registration.js';
import { callbackPage, escapeHtml } from '../../src/oauth/flow/callback-page.js';
import { isOAuthFlowError } from '../../src/shared/errors.js';

describe('URL safety', () => {
  it('accepts https anywhere and http only on loopback', () => {
    expect(isSecureEndpoint('https://auth.example.com/authorize')).toBe(true);
    expect(isSecureEndpoint('http://127.0.0.1:4000/authorize')).toBe(true);
    expect(isSecureEndpoint('http://localhost/x')).toBe(true);
    expect(isSecureEndpoint('http://[::1]:80/x')).toBe(true);
    expect(isSecureEndpoint('http://auth.example.com/authorize')).toBe(false);
    expect(isSecureEndpoint('file:///etc/passwd')).toBe(false);
    expect(isSecureEndpoint('javascript:alert(1)')).toBe(false);
    expect(isSecureEndpoint('https://user:pw@auth.example.com/')).toBe(false);
    expect(isLoopbackHost('127.1.2.3')).toBe(true);
    expect(isLoopbackHost('127.0.0.1.evil.com')).toBe(false);
  });

  it('refuses endpoints carrying shell metacharacters', () => {
    for (const bad of ['https://a.example/$(touch /tmp/x)', 'https://a.example/a;calc', 'https://a.example/`id`', 'https://a.example/a|b', 'file:///C:/Windows/calc.exe']) {
      let code: string | undefined;
      try {
        assertSecureEndpoint(bad, 'authorization_endpoint');
      } catch (error) {
        code = isOAuthFlowError(error) ? error.code : 'other';
      }
      expect(code, bad).toBe('INSECURE_ENDPOINT');
    }
  });

  it('hands only plain http(s) URLs to a browser', () => {
    expect(isBrowserSafeUrl('https://auth.example.com/authorize?client_id=a&state=b&scope=mcp%3Aread')).toBe(true);
    expect(isBrowserSafeUrl('file:///etc/passwd')).toBe(false);
    expect(isBrowserSafeUrl('ms-msdt:/id PCWDiagnostic')).toBe(false);
    expect(isBrowserSafeUrl('https://a.example/$(calc)')).toBe(false);
    expect(isBrowserSafeUrl('https://a.example/"&calc&"')).toBe(false);
    expect(isBrowserSafeUrl('https://a.example/a\nb')).toBe(false);
  });
});

describe('WWW-Authenticate', () => {
  it('reads the Bearer challenge parameters', () => {
    const c = parseBearerChallenge('Bearer error="insufficient_scope", scope="mcp:read mcp:admin", resource_metadata="https://r.example/.well-known/oauth-protected-resource/mcp"');
    expect(c).toEqual({ error: 'insufficient_scope', scope: 'mcp:read mcp:admin', resourceMetadata: 'https://r.example/.well-known/oauth-protected-resource/mcp' });
  });
  it('finds Bearer among several challenges, handles escapes and token values', () => {
    const c = parseBearerChallenge('Basic realm="x, y", Bearer realm="a\\"b", error=invalid_token');
    expect(c).toEqual({ error: 'invalid_token' });
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseBearerChallenge(null)).toBeUndefined();
    expect(parseBearerChallenge('Bearer')).toEqual({});
  });
});

describe('discovery URL order', () => {
  it('uses the header URL alone, else path-specific then root', () => {
    const server = new URL('https://mcp.example.com/public/mcp');
    expect(protectedResourceMetadataUrls(server, 'https://mcp.example.com/prm').map(String)).toEqual(['https://mcp.example.com/prm']);
    expect(protectedResourceMetadataUrls(server).map(String)).toEqual([
      'https://mcp.example.com/.well-known/oauth-protected-resource/public/mcp',
      'https://mcp.example.com/.well-known/oauth-protected-resource',
    ]);
    expect(protectedResourceMetadataUrls(new URL('https://mcp.example.com/')).map(String)).toEqual(['https://mcp.example.com/.well-known/oauth-protected-resource']);
  });
  it('follows the MCP order for issuers with and without a path', () => {
    expect(authorizationServerMetadataUrls(new URL('https://auth.example.com')).map((c) => c.url.href)).toEqual([
      'https://auth.example.com/.well-known/oauth-authorization-server',
      'https://auth.example.com/.well-known/openid-configuration',
    ]);
    expect(authorizationServerMetadataUrls(new URL('https://auth.example.com/tenant1/')).map((c) => c.url.href)).toEqual([
      'https://auth.example.com/.well-known/oauth-authorization-server/tenant1',
      'https://auth.example.com/.well-known/openid-configuration/tenant1',
      'https://auth.example.com/tenant1/.well-known/openid-configuration',
    ]);
  });
  it('matches resource and issuer strictly', () => {
    const server = new URL('https://mcp.example.com/api/mcp');
    expect(resourceCovers('https://mcp.example.com/api/mcp', server)).toBe(true);
    expect(resourceCovers('https://mcp.example.com/api', server)).toBe(true);
    expect(resourceCovers('https://mcp.example.com', server)).toBe(true);
    expect(resourceCovers('https://mcp.example.com/ap', server)).toBe(false);
    expect(resourceCovers('https://evil.example.com/api/mcp', server)).toBe(false);
    expect(resourceCovers('not a url', server)).toBe(false);
    expect(issuerMatches('https://a.example', 'https://a.example/')).toBe(true);
    expect(issuerMatches('https://a.example/t1', 'https://a.example/t1/')).toBe(false);
    expect(issuerMatches('https://a.example', 'https://b.example')).toBe(false);
    expect(issuerMatches('https://a.example', undefined)).toBe(false);
  });
});

describe('scope selection', () => {
  it('prefers the challenge, then scopes_supported, and unions on step-up', () => {
    expect(selectScope({ challenge: 'mcp:read', resourceScopes: ['mcp:read', 'mcp:write'] })).toBe('mcp:read');
    expect(selectScope({ resourceScopes: ['mcp:read', 'mcp:write'] })).toBe('mcp:read mcp:write');
    expect(selectScope({})).toBeUndefined();
    expect(selectScope({ configured: 'a b', resourceScopes: ['c'] })).toBe('a b');
    expect(selectScope({ configured: 'a', challenge: 'b' })).toBe('a');
    expect(selectScope({ configured: 'a', challenge: 'b', granted: 'a' })).toBe('a b');
    expect(selectScope({ challenge: 'mcp:admin', granted: 'mcp:read' })).toBe('mcp:admin mcp:read');
    expect(scopeSatisfies('a b c', 'c a')).toBe(true);
    expect(scopeSatisfies('a', 'a b')).toBe(false);
    expect(scopeSatisfies(undefined, undefined)).toBe(true);
  });
});

describe('refresh policy', () => {
  const t = (over: object = {}) => ({ access_token: 'at', refresh_token: 'rt', expires_at: 100_000, obtained_at: 0, ...over });
  it('uses, refreshes proactively with skew, or logs in', () => {
    expect(decideTokenAction({ tokens: undefined, now: 0, skewMs: 60_000 })).toBe('login');
    expect(decideTokenAction({ tokens: t(), now: 10_000, skewMs: 60_000 })).toBe('use');
    expect(decideTokenAction({ tokens: t(), now: 50_001, skewMs: 60_000 })).toBe('refresh'); // skew capped at lifetime/2
    expect(decideTokenAction({ tokens: t({ refresh_token: undefined }), now: 99_000, skewMs: 1_000 })).toBe('login');
    expect(decideTokenAction({ tokens: t(), now: 0, skewMs: 0, rejected: 'at' })).toBe('refresh');
    expect(decideTokenAction({ tokens: t({ expires_at: undefined }), now: 1e12, skewMs: 0 })).toBe('use');
    expect(isExpiring(t(), 98_999, 1_000)).toBe(false);
    expect(isExpiring(t(), 99_000, 1_000)).toBe(true);
  });
  it('classifies rejections and refresh failures, with bounded backoff', () => {
    expect(classifyRejection(401, undefined)).toBe('refresh');
    expect(classifyRejection(403, { error: 'insufficient_scope', scope: 'x' })).toBe('step-up');
    expect(classifyRejection(403, undefined)).toBe('none');
    expect(classifyRejection(500, undefined)).toBe('none');
    expect(classifyRefreshFailure('INVALID_GRANT', 0, 3)).toBe('relogin');
    expect(classifyRefreshFailure('AUTH_SERVER_UNAVAILABLE', 0, 3)).toBe('retry');
    expect(classifyRefreshFailure('AUTH_SERVER_UNAVAILABLE', 2, 3)).toBe('fail');
    expect(classifyRefreshFailure('TOKEN_REQUEST_FAILED', 0, 3)).toBe('fail');
    expect([0, 1, 2, 3, 10].map((a) => retryDelayMs(a))).toEqual([250, 500, 1000, 2000, 4000]);
  });
});

describe('client identity order', () => {
  const base = { metadataDocumentSupported: false, issuer: 'https://as', redirectUri: 'http://127.0.0.1:5000/callback' };
  const stored = { client_id: 'dcr', issuer: 'https://as', redirect_uris: ['http://127.0.0.1:5000/callback'] };
  it('static → metadata document (when supported) → stored (when it fits) → register', () => {
    expect(chooseIdentitySource({ ...base, staticClientId: 'x', stored })).toBe('static');
    expect(chooseIdentitySource({ ...base, clientMetadataUrl: 'https://me/cimd', metadataDocumentSupported: true, stored })).toBe('metadata-document');
    expect(chooseIdentitySource({ ...base, clientMetadataUrl: 'https://me/cimd', stored })).toBe('stored');
    expect(chooseIdentitySource({ ...base, stored: { ...stored, redirect_uris: ['http://127.0.0.1:6000/callback'] } })).toBe('register');
    expect(chooseIdentitySource({ ...base, stored: { ...stored, issuer: 'https://other' } })).toBe('register');
    expect(chooseIdentitySource(base)).toBe('register');
  });
  it('picks auth methods from what the server supports', () => {
    expect(staticAuthMethod(false, ['client_secret_basic'])).toBe('none');
    expect(staticAuthMethod(true, ['client_secret_post'])).toBe('client_secret_post');
    expect(staticAuthMethod(true, undefined)).toBe('client_secret_basic');
    expect(chooseRegistrationAuthMethod(undefined)).toBe('client_secret_basic');
    expect(chooseRegistrationAuthMethod(['client_secret_basic', 'none'])).toBe('none');
    expect(chooseRegistrationAuthMethod(['client_secret_post'])).toBe('client_secret_post');
  });
});

describe('client patch and callback page', () => {
  it('parses key=value lists and refuses reserved keys', () => {
    expect(parseClientPatch('client_name=New Name, redirect_uris=http://127.0.0.1:1/callback http://127.0.0.1:2/callback')).toEqual({
      client_name: 'New Name',
      redirect_uris: ['http://127.0.0.1:1/callback', 'http://127.0.0.1:2/callback'],
    });
    expect(() => parseClientPatch('client_id=evil')).toThrow(/cannot change/);
    expect(() => parseClientPatch('nonsense')).toThrow(/key=value/);
  });
  it('escapes everything it shows', () => {
    expect(escapeHtml(`<script>alert("x")</script>&'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;&#47;script&gt;&amp;&#39;');
    const page = callbackPage({ ok: false, reason: '<img src=x onerror=alert(1)>' });
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img');
  });
});
