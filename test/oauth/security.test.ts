import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOAuthClient } from '../../src/oauth/oauth-client.js';
import { isOAuthFlowError } from '../../src/shared/errors.js';
import { callTool, startOAuthFixture, type OAuthFixture } from '../helpers/oauth-fixture.js';

/** An MCP server + authorization server that lies in its metadata the way `overrides` says. */
async function startHostile(overrides: { metadata?: Record<string, unknown>; resource?: string }): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const path = new URL(req.url ?? '/', origin).pathname;
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (path === '/.well-known/oauth-protected-resource/mcp') return json({ resource: overrides.resource ?? `${origin}/mcp`, authorization_servers: [origin] });
    if (path === '/.well-known/oauth-authorization-server') {
      return json({
        issuer: origin,
        authorization_endpoint: `${origin}/authorize`,
        token_endpoint: `${origin}/token`,
        registration_endpoint: `${origin}/reg`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        ...overrides.metadata,
      });
    }
    if (path === '/reg') {
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ client_id: 'hostile', redirect_uris: ['http://127.0.0.1:1/callback'] }));
      return;
    }
    res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let fx: OAuthFixture;
beforeAll(async () => {
  fx = await startOAuthFixture();
});
afterAll(async () => {
  await fx?.close();
});

async function loginAgainst(metadata: Record<string, unknown>, resource?: string): Promise<{ code: string | undefined; opened: string[] }> {
  const hostile = await startHostile({ metadata, ...(resource ? { resource } : {}) });
  const opened: string[] = [];
  try {
    const oauth = createOAuthClient({ serverUrl: hostile.url, configDir: await fx.freshConfigDir(), openBrowser: async (url) => void opened.push(url), authTimeoutMs: 3_000, logger: fx.logger });
    const error = await oauth.login().then(() => undefined, (e: unknown) => e);
    return { code: isOAuthFlowError(error) ? error.code : String(error), opened };
  } finally {
    await hostile.close();
  }
}

describe('hostile authorization server metadata', () => {
  it('refuses a file: authorization_endpoint without opening anything', async () => {
    expect(await loginAgainst({ authorization_endpoint: 'file:///etc/passwd' })).toEqual({ code: 'INSECURE_ENDPOINT', opened: [] });
  });
  it('refuses an authorization_endpoint with shell metacharacters (CVE-2025-6514 class)', async () => {
    expect(await loginAgainst({ authorization_endpoint: 'http://127.0.0.1:9/a$(touch${IFS}/tmp/pwned)' })).toEqual({ code: 'INSECURE_ENDPOINT', opened: [] });
    expect(await loginAgainst({ authorization_endpoint: 'https://127.0.0.1/x";calc;"' })).toEqual({ code: 'INSECURE_ENDPOINT', opened: [] });
  });
  it('refuses plain http off loopback', async () => {
    expect((await loginAgainst({ token_endpoint: 'http://auth.example.com/token' })).code).toBe('INSECURE_ENDPOINT');
  });
  it('refuses metadata naming another issuer', async () => {
    expect(await loginAgainst({ issuer: 'http://127.0.0.1:1/someone-else' })).toEqual({ code: 'ISSUER_MISMATCH', opened: [] });
  });
  it('refuses a server without PKCE S256', async () => {
    expect((await loginAgainst({ code_challenge_methods_supported: ['plain'] })).code).toBe('PKCE_UNSUPPORTED');
  });
  it('refuses protected-resource metadata for another resource', async () => {
    expect((await loginAgainst({}, 'http://127.0.0.1:1/mcp')).code).toBe('RESOURCE_MISMATCH');
  });
});

describe('authorization response checks (real server)', () => {
  it('refuses a callback whose state does not match, and stores nothing', async () => {
    const configDir = await fx.freshConfigDir();
    const { oauth, browser } = fx.client({ configDir }, { tamperCallback: (u) => { u.searchParams.set('state', 'forged'); return u; } });
    const error = await oauth.login().catch((e: unknown) => e);
    expect(isOAuthFlowError(error, 'STATE_MISMATCH')).toBe(true);
    expect(browser.callbackStatus).toBe(400);
    expect((await oauth.status()).loggedIn).toBe(false);
  });
  it('refuses a callback whose iss is another issuer (RFC 9207)', async () => {
    const { oauth } = fx.client({ configDir: await fx.freshConfigDir() }, { tamperCallback: (u) => { u.searchParams.set('iss', 'http://127.0.0.1:1'); return u; } });
    const error = await oauth.login().catch((e: unknown) => e);
    expect(isOAuthFlowError(error, 'ISSUER_MISMATCH')).toBe(true);
  });
  it('refuses a callback without iss when the server promises one', async () => {
    const { oauth } = fx.client({ configDir: await fx.freshConfigDir() }, { tamperCallback: (u) => { u.searchParams.delete('iss'); return u; } });
    expect(isOAuthFlowError(await oauth.login().catch((e: unknown) => e), 'ISSUER_MISMATCH')).toBe(true);
  });
  it('times out when nobody completes the browser step', async () => {
    const { oauth } = fx.client({ configDir: await fx.freshConfigDir(), openBrowser: false, authTimeoutMs: 300 });
    expect(isOAuthFlowError(await oauth.login().catch((e: unknown) => e), 'CALLBACK_TIMEOUT')).toBe(true);
  });
});

describe('secrets in logs', () => {
  it('no access, refresh or registration token appears in any debug log line', async () => {
    let clock = Date.now();
    const { oauth } = fx.client({ configDir: await fx.freshConfigDir(), now: () => clock });
    await callTool(oauth.fetch, fx.mcp.url);
    const before = await oauth.status({ includeSecrets: true });
    clock += 3_600_000;
    await callTool(oauth.fetch, fx.mcp.url);
    await oauth.getClientInfo();
    const after = await oauth.status({ includeSecrets: true });
    const secrets = [before.accessToken, before.refreshToken, after.accessToken, after.refreshToken, ...fx.mcp.seenTokens.map((t) => t.slice('Bearer '.length))].filter((s): s is string => Boolean(s));
    expect(secrets.length).toBeGreaterThan(3);
    expect(fx.logLines.length).toBeGreaterThan(5);
    for (const line of fx.logLines) for (const secret of secrets) expect(line.includes(secret)).toBe(false);
  });
});
