import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverStorePaths } from '../../src/oauth/store/json-token-store.js';
import { callTool, startOAuthFixture, type OAuthFixture } from '../helpers/oauth-fixture.js';

let fx: OAuthFixture;
beforeAll(async () => {
  fx = await startOAuthFixture();
});
afterAll(async () => {
  await fx?.close();
});

describe('first connect', () => {
  it('discovers, registers, logs in through the browser and calls a tool', async () => {
    const { oauth, browser, progress } = fx.client();
    expect(await callTool(oauth.fetch, fx.mcp.url)).toBe('ok');
    expect(browser.opened).toHaveLength(1);
    const authUrl = new URL(browser.opened[0] as string);
    expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authUrl.searchParams.get('resource')).toBe(fx.mcp.url);
    // The challenge's scope, plus offline_access because oidc-provider lists it in scopes_supported (SEP-2207).
    expect(authUrl.searchParams.get('scope')).toBe('mcp:read offline_access');
    expect(authUrl.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(progress.map((p) => p.step)).toEqual(['discovering', 'registering', 'waiting-for-browser', 'exchanging', 'done']);

    const status = await oauth.status();
    expect(status).toMatchObject({ loggedIn: true, issuer: fx.as.issuer, scope: 'mcp:read', hasRefreshToken: true });
    expect(status.accessToken).toBeUndefined();
    const { file } = serverStorePaths(fx.configDir, new URL(fx.mcp.url));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(fx.configDir)).mode & 0o777).toBe(0o700);

    // A second client (new process, same store) reuses the stored registration and tokens: no browser.
    const again = fx.client();
    expect(await callTool(again.oauth.fetch, fx.mcp.url)).toBe('ok');
    expect(again.browser.opened).toHaveLength(0);
    expect(fx.as.grants.authorization_code).toBe(1);
  });
});
