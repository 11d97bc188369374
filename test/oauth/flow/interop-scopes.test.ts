/**
 * The scope strategy, offline_access, bounded step-up, --no-resource, --authorize-param and RFC 7009 logout
 * against the minimal AS (with oidc-provider where a real library shows the same).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { selectScope } from '../../../src/oauth/scope.js';
import { isOAuthFlowError } from '../../../src/shared/errors.js';
import type { MinimalAsOptions } from '../../helpers/minimal-authorization-server.js';
import type { MinimalMcpOptions } from '../../helpers/minimal-protected-mcp.js';
import { startMinimalFixture, type MinimalFixture } from '../../helpers/minimal-oauth-fixture.js';
import { callTool } from '../../helpers/oauth-fixture.js';

let fx: MinimalFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

async function requestedScope(asOptions: MinimalAsOptions, mcpOptions: Omit<MinimalMcpOptions, 'as' | 'mountAs'>, overrides = {}): Promise<string | null> {
  fx = await startMinimalFixture(asOptions, mcpOptions);
  expect(await callTool(fx.client(overrides).oauth.fetch, fx.mcp.url)).toBe('ok');
  return fx.as.authorizations[0]?.get('scope') ?? null;
}

describe('scope selection (MCP strategy)', () => {
  it('the challenge scope first', async () => {
    expect(await requestedScope({}, { challengeScope: 'mcp:read', prmScopes: ['mcp:read', 'mcp:write'] })).toBe('mcp:read');
  });
  it('else the protected-resource metadata scopes_supported', async () => {
    expect(await requestedScope({}, { prmScopes: ['mcp:read', 'mcp:write'] })).toBe('mcp:read mcp:write');
  });
  it('else no scope parameter at all', async () => {
    expect(await requestedScope({}, {})).toBeNull();
    expect(fx?.as.authorizations[0]?.has('scope')).toBe(false);
  });
  it('--scope overrides the selection', async () => {
    expect(await requestedScope({}, { challengeScope: 'mcp:read' }, { scope: 'mcp:read custom' })).toBe('mcp:read custom');
  });
  it('pure rules', () => {
    expect(selectScope({ challenge: 'a', resourceScopes: ['b'], serverScopes: ['a', 'offline_access'] })).toBe('a offline_access');
    expect(selectScope({ resourceScopes: ['b', 'offline_access'], serverScopes: ['b'] })).toBe('b');
    expect(selectScope({ challenge: 'c', granted: 'a b' })).toBe('c a b');
    expect(selectScope({ configured: 'x', serverScopes: ['offline_access'] })).toBe('x');
    expect(selectScope({ resourceScopes: [] })).toBeUndefined();
  });
});

describe('offline_access', () => {
  it('asked for when the AS lists it, so an OIDC-style AS issues a refresh token', async () => {
    const scope = await requestedScope({ scopesSupported: ['mcp:read', 'offline_access'], refreshOnlyWithOfflineAccess: true }, { challengeScope: 'mcp:read' });
    expect(scope).toBe('mcp:read offline_access');
    expect((await fx!.client().oauth.status()).hasRefreshToken).toBe(true);
  });
  it('never when it does not, even if the resource metadata names it', async () => {
    const scope = await requestedScope({ scopesSupported: ['mcp:read'] }, { prmScopes: ['mcp:read', 'offline_access'] });
    expect(scope).toBe('mcp:read');
  });
});

describe('step-up on 403 insufficient_scope', () => {
  it('asks for the union of held and challenged scopes, once, and succeeds', async () => {
    fx = await startMinimalFixture({ omitTokenScope: true }, { challengeScope: 'mcp:read', requiredScope: 'mcp:read' });
    const { oauth } = fx.client();
    expect(await callTool(oauth.fetch, fx.mcp.url)).toBe('ok');
    expect(await callTool(oauth.fetch, fx.mcp.url, 'admin-echo')).toBe('admin ok');
    expect(fx.as.authorizations.map((a) => a.get('scope'))).toEqual(['mcp:read', 'mcp:read mcp:admin']);
  });

  it('stops after three authorizations for one operation with a clear error (never a loop)', async () => {
    fx = await startMinimalFixture({ grant: () => 'mcp:read' }, { challengeScope: 'mcp:read', requiredScope: 'mcp:read' });
    const { oauth } = fx.client();
    expect(await callTool(oauth.fetch, fx.mcp.url)).toBe('ok');
    const error = await failure(callTool(oauth.fetch, fx.mcp.url, 'admin-echo'));
    expect(String(error)).toMatch(/still demands scope "mcp:read mcp:admin" after 3 authorizations/);
    expect(fx.as.authorizations).toHaveLength(1 + 3);
  });
});

describe('resource indicators and extra parameters', () => {
  it('an AS that rejects `resource`: a clear hint, and --no-resource works (code and refresh grants)', async () => {
    fx = await startMinimalFixture({ rejectResource: true });
    const error = await failure(fx.client().oauth.login());
    expect(isOAuthFlowError(error, 'AUTHORIZATION_DENIED')).toBe(true);
    expect(String(error)).toContain('--no-resource');
    const { oauth } = fx.client({ resource: false });
    expect(await callTool(oauth.fetch, fx.mcp.url)).toBe('ok');
    const later = fx.client({ resource: false, now: () => Date.now() + 3_600_000 });
    expect(await callTool(later.oauth.fetch, fx.mcp.url)).toBe('ok');
    expect(fx.as.tokenRequests.filter((r) => r.status === 200).map((r) => r.grant)).toEqual(['authorization_code', 'refresh_token']);
    expect(fx.as.tokenRequests.every((r) => !r.body.has('resource'))).toBe(true);
  });

  it('--authorize-param values reach the authorization request; flow-owned ones are refused', async () => {
    fx = await startMinimalFixture({});
    await fx.client({ authorizeParams: { prompt: 'consent', access_type: 'offline' } }).oauth.login();
    expect(fx.as.authorizations[0]?.get('prompt')).toBe('consent');
    expect(fx.as.authorizations[0]?.get('access_type')).toBe('offline');
    expect(() => fx!.client({ authorizeParams: { state: 'x' } })).toThrow(/state/);
  });
});

describe('logout revokes at the AS (RFC 7009)', () => {
  it('revokes the refresh and access tokens when a revocation endpoint is advertised', async () => {
    fx = await startMinimalFixture({ revocation: true, authMethods: ['client_secret_post'] });
    const { oauth } = fx.client();
    expect(await callTool(oauth.fetch, fx.mcp.url)).toBe('ok');
    expect(await oauth.logout()).toEqual({ revoked: 2 });
    expect(fx.as.revoked).toHaveLength(2);
    expect(fx.as.revoked[0]).toMatch(/^rt-/);
    expect((await oauth.status()).loggedIn).toBe(false);
  });
  it('forgets locally only when none is advertised', async () => {
    fx = await startMinimalFixture({});
    const { oauth } = fx.client();
    await oauth.login();
    expect(await oauth.logout()).toEqual({ revoked: 0 });
    expect((await oauth.status()).loggedIn).toBe(false);
  });
});
