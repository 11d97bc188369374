/**
 * Discovery and issuer checks against the minimal AS: MCP 2025-03-26 servers (no protected-resource metadata,
 * AS metadata or only default endpoints at the server's origin), a failing resource_metadata URL, an AS
 * migration, every RFC 9207 `iss` mode, and metadata whose issuer is not the one it was discovered for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { issRefusal } from '../../../src/oauth/flow/authorize.js';
import { isOAuthFlowError } from '../../../src/shared/errors.js';
import { startMinimalAuthorizationServer, type MinimalAs, type MinimalAsOptions } from '../../helpers/minimal-authorization-server.js';
import { startMinimalFixture, type MinimalFixture } from '../../helpers/minimal-oauth-fixture.js';
import { callTool } from '../../helpers/oauth-fixture.js';

let fx: MinimalFixture | undefined;
const extra: MinimalAs[] = [];
afterEach(async () => {
  await fx?.close();
  fx = undefined;
  for (const as of extra.splice(0)) await as.close();
});

const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

describe('MCP 2025-03-26 servers', () => {
  it('no protected-resource metadata: AS metadata at the MCP server origin', async () => {
    fx = await startMinimalFixture({}, { mounted: true, prm: false });
    const { oauth } = fx.client();
    expect(await callTool(oauth.fetch, fx.mcp.url)).toBe('ok');
    expect(fx.as.issuer).toBe(fx.mcp.origin);
    expect(fx.as.registrations).toHaveLength(1);
  });

  it('no metadata at all: the default endpoints /authorize, /token, /register at that origin', async () => {
    fx = await startMinimalFixture({ metadata: 'none' }, { mounted: true, prm: false });
    const { oauth, browser } = fx.client();
    expect(await callTool(oauth.fetch, fx.mcp.url)).toBe('ok');
    expect(new URL(browser.opened[0] as string).pathname).toBe('/authorize');
    expect(fx.as.registrations).toHaveLength(1);
    expect(fx.as.tokenRequests[0]?.status).toBe(200);
    expect(fx.logLines.some((l) => l.includes('default endpoints'))).toBe(true);
  });

  it('PRM present but its AS has no metadata: refused (the defaults are only for servers without PRM)', async () => {
    fx = await startMinimalFixture({ metadata: 'none' });
    const error = await failure(fx.client().oauth.login());
    expect(isOAuthFlowError(error, 'DISCOVERY_FAILED')).toBe(true);
  });
});

describe('a failing resource_metadata URL in WWW-Authenticate', () => {
  for (const [name, url] of [
    ['a 404', (origin: string) => `${origin}/nowhere`],
    ['an unreachable host', () => 'http://127.0.0.1:9/prm'],
  ] as const) {
    it(`${name}: the well-known locations are used instead`, async () => {
      fx = await startMinimalFixture({}, { resourceMetadataUrl: url });
      const { oauth } = fx.client();
      expect(await callTool(oauth.fetch, fx.mcp.url)).toBe('ok');
      expect(fx.mcp.hits.prm).toBeGreaterThan(0);
      expect(fx.logLines.some((l) => l.includes('trying the well-known locations'))).toBe(true);
    });
  }
});

describe('credentials are keyed by the AS issuer', () => {
  it('the server moves to another AS: a new registration there; the old client is never sent to it', async () => {
    fx = await startMinimalFixture({});
    expect(await callTool(fx.client().oauth.fetch, fx.mcp.url)).toBe('ok');
    const oldAs = fx.as;
    const oldClient = [...oldAs.clients.keys()][0] as string;
    const newAs = await startMinimalAuthorizationServer({});
    extra.push(newAs);
    fx.mcp.useAs(newAs);
    const moved = fx.client({ now: () => Date.now() + 3_600_000 });
    expect(await callTool(moved.oauth.fetch, fx.mcp.url)).toBe('ok');
    expect(newAs.registrations).toHaveLength(1);
    expect(newAs.seenClientIds).not.toContain(oldClient);
    expect((await moved.oauth.status()).issuer).toBe(newAs.issuer);
  });
});

describe('iss (RFC 9207, MCP 2026-07-28)', () => {
  const login = async (options: MinimalAsOptions): Promise<unknown> => {
    fx = await startMinimalFixture(options);
    return failure(fx.client().oauth.login());
  };

  it('present and equal: accepted', async () => {
    expect(await login({ iss: 'present' })).toBeUndefined();
  });
  it('present although not advertised, and equal: accepted', async () => {
    expect(await login({ iss: 'present-unadvertised' })).toBeUndefined();
  });
  it('absent although advertised: refused, naming the expected issuer', async () => {
    const error = await login({ iss: 'absent-advertised' });
    expect(isOAuthFlowError(error, 'ISSUER_MISMATCH')).toBe(true);
    expect(String(error)).toContain(`"${fx?.as.issuer}"`);
    expect(fx?.as.tokenRequests).toHaveLength(0);
  });
  it('differs by a trailing slash only: refused (no normalisation), naming both values', async () => {
    const error = await login({ iss: 'wrong' });
    expect(isOAuthFlowError(error, 'ISSUER_MISMATCH')).toBe(true);
    expect(String(error)).toContain(`"${fx?.as.issuer}/"`);
    expect(String(error)).toContain(`"${fx?.as.issuer}"`);
    expect(fx?.as.tokenRequests).toHaveLength(0);
  });
  it('differs in case: refused', async () => {
    fx = await startMinimalFixture({ iss: 'wrong', wrongIss: (issuer) => issuer.replace('http://', 'HTTP://') });
    const error = await failure(fx.client().oauth.login());
    expect(isOAuthFlowError(error, 'ISSUER_MISMATCH')).toBe(true);
  });
  it('absent and not advertised: accepted', async () => {
    expect(await login({ iss: 'off' })).toBeUndefined();
  });
  it('pure rule', () => {
    expect(issRefusal(null, 'https://a', false)).toBeUndefined();
    expect(issRefusal(null, 'https://a', true)).toMatch(/no iss/);
    expect(issRefusal('https://a', 'https://a', true)).toBeUndefined();
    expect(issRefusal('https://a/', 'https://a', false)).toMatch(/"https:\/\/a\/".*"https:\/\/a"/);
  });
  it('AS metadata naming another issuer: refused, naming both', async () => {
    const error = await login({ metadataIssuer: 'http://127.0.0.1:1' });
    expect(isOAuthFlowError(error, 'ISSUER_MISMATCH')).toBe(true);
    expect(String(error)).toContain('"http://127.0.0.1:1"');
    expect(String(error)).toContain(`"${fx?.as.issuer}"`);
    expect(fx?.as.registrations).toHaveLength(0);
  });
});
