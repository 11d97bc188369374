/**
 * The interop behaviours a real library shows too, against oidc-provider: RFC 7009 revocation on logout (the
 * refresh token is dead afterwards) and a registration the AS deleted (RFC 7592) replaced once without the
 * user facing an error page.
 */
import { readFile } from 'node:fs/promises';
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

async function storedState(configDir: string): Promise<{ client: { client_id: string; registration_access_token: string; registration_client_uri: string } }> {
  return JSON.parse(await readFile(serverStorePaths(configDir, new URL(fx.mcp.url)).file, 'utf8')) as never;
}

describe('oidc-provider', () => {
  it('--logout revokes the refresh token at the AS: it no longer refreshes', async () => {
    const configDir = await fx.freshConfigDir();
    const { oauth } = fx.client({ configDir });
    expect(await callTool(oauth.fetch, fx.mcp.url)).toBe('ok');
    const secrets = await oauth.status({ includeSecrets: true });
    const { client } = await storedState(configDir);
    expect(secrets.refreshToken).toBeDefined();
    // oidc-provider cannot revoke its JWT access tokens (they are not stored); the refresh token is revoked.
    expect((await oauth.logout()).revoked).toBe(1);
    expect(fx.logLines.some((l) => l.includes('token revocation failed') && l.includes('"hint":"access_token"'))).toBe(true);
    const response = await fetch(`${fx.as.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: secrets.refreshToken as string, client_id: client.client_id }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('a registration the AS no longer has is replaced once, before the browser opens', async () => {
    const configDir = await fx.freshConfigDir();
    const first = fx.client({ configDir });
    await first.oauth.login();
    const { client } = await storedState(configDir);
    const deleted = await fetch(client.registration_client_uri, { method: 'DELETE', headers: { authorization: `Bearer ${client.registration_access_token}` } });
    expect(deleted.status).toBe(204);
    const again = fx.client({ configDir });
    await again.oauth.login();
    expect(again.browser.opened).toHaveLength(1);
    const replaced = (await storedState(configDir)).client.client_id;
    expect(replaced).not.toBe(client.client_id);
    expect(new URL(again.browser.opened[0] as string).searchParams.get('client_id')).toBe(replaced);
    expect(await callTool(again.oauth.fetch, fx.mcp.url)).toBe('ok');
  });
});
