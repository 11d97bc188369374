import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, startOAuthFixture, type OAuthFixture } from '../helpers/oauth-fixture.js';

let fx: OAuthFixture;
beforeAll(async () => {
  fx = await startOAuthFixture({ accessTokenTtl: 120 });
});
afterAll(async () => {
  await fx?.close();
});

describe('token lifecycle', () => {
  it('refreshes proactively before expires_at (injected clock), then after a forced 401', async () => {
    let clock = Date.now();
    const { oauth, browser } = fx.client({ now: () => clock, expirySkewMs: 30_000 });
    expect(await callTool(oauth.fetch, fx.mcp.url)).toBe('ok');
    const first = (await oauth.status({ includeSecrets: true })).accessToken;
    expect(fx.as.grants.refresh_token ?? 0).toBe(0);

    clock += 95_000; // 25 s before expiry, inside the 30 s skew
    expect(await callTool(oauth.fetch, fx.mcp.url)).toBe('ok');
    expect(fx.as.grants.refresh_token).toBe(1);
    const second = (await oauth.status({ includeSecrets: true })).accessToken;
    expect(second).not.toBe(first);

    fx.mcp.rejectNext(1); // the server refuses a perfectly fresh token once
    expect(await callTool(oauth.fetch, fx.mcp.url)).toBe('ok');
    expect(fx.as.grants.refresh_token).toBe(2);
    expect(browser.opened).toHaveLength(1); // all of that without another login
  });

  it('concurrent requests share one refresh', async () => {
    const { oauth } = fx.client();
    await callTool(oauth.fetch, fx.mcp.url);
    const before = fx.as.grants.refresh_token ?? 0;
    fx.mcp.rejectNext(3);
    const results = await Promise.all([1, 2, 3].map(() => callTool(oauth.fetch, fx.mcp.url).catch((e: unknown) => String(e))));
    expect(results.filter((r) => r === 'ok').length).toBeGreaterThanOrEqual(1);
    // Each rejection names the same token, so they share one refresh (a later one may ride on the fresh token).
    expect((fx.as.grants.refresh_token ?? 0) - before).toBeLessThanOrEqual(2);
  });

  it('invalid_grant on refresh drops the tokens and logs in again', async () => {
    let clock = Date.now();
    const { oauth, browser } = fx.client({ now: () => clock });
    await oauth.login();
    const logins = fx.as.grants.authorization_code ?? 0;
    // Invalidate the refresh token behind the client's back: another party used it (rotation consumes it).
    await oauth.logout();
    const dead = fx.client({ now: () => clock });
    await dead.oauth.login();
    const stolen = (await dead.oauth.status({ includeSecrets: true })).refreshToken as string;
    const stolenClient = (await dead.oauth.status()).clientId as string;
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: stolen, client_id: stolenClient });
    const used = await fetch(`${fx.as.issuer}/token`, { method: 'POST', body: form, signal: AbortSignal.timeout(5_000) });
    expect(used.status).toBe(200);
    clock += 3_600_000; // long expired: the client must refresh, gets invalid_grant, and logs in again
    expect(await callTool(dead.oauth.fetch, fx.mcp.url)).toBe('ok');
    expect(dead.browser.opened).toHaveLength(2);
    expect(fx.as.grants.authorization_code).toBe(logins + 2);
    expect(browser.opened.length).toBeGreaterThanOrEqual(1);
    expect(fx.logLines.some((l) => l.includes('a new login is needed'))).toBe(true);
  });

  it('403 insufficient_scope triggers a step-up login with the wider scope', async () => {
    const { oauth, browser } = fx.client({ configDir: await fx.freshConfigDir() });
    expect(await callTool(oauth.fetch, fx.mcp.url)).toBe('ok');
    const opened = browser.opened.length;
    expect(await callTool(oauth.fetch, fx.mcp.url, 'admin-echo')).toBe('admin ok');
    expect(browser.opened.length).toBe(opened + 1);
    const stepUp = new URL(browser.opened.at(-1) as string);
    expect(stepUp.searchParams.get('scope')?.split(' ').sort()).toEqual(['mcp:admin', 'mcp:read', 'offline_access']);
    expect((await oauth.status()).scope?.split(' ').sort()).toEqual(['mcp:admin', 'mcp:read']);
  });
});
