import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverStorePaths } from '../../src/oauth/store/json-token-store.js';
import { isOAuthFlowError } from '../../src/shared/errors.js';
import { callTool, startOAuthFixture, type OAuthFixture } from '../helpers/oauth-fixture.js';

let fx: OAuthFixture;
beforeAll(async () => {
  fx = await startOAuthFixture();
});
afterAll(async () => {
  await fx?.close();
});

async function storedClient(configDir: string): Promise<Record<string, string>> {
  const { file } = serverStorePaths(configDir, new URL(fx.mcp.url));
  return (JSON.parse(await readFile(file, 'utf8')) as { client: Record<string, string> }).client;
}

describe('RFC 7592 client management against oidc-provider', () => {
  it('reads, updates (full PUT, rotated registration token kept) and deletes the registration', async () => {
    const configDir = await fx.freshConfigDir();
    const { oauth } = fx.client({ configDir });
    await oauth.login();
    const info = await oauth.getClientInfo();
    expect(info.client_name).toBe('mcp-client tests');
    expect(info.grant_types).toEqual(['authorization_code', 'refresh_token']);
    const firstToken = (await storedClient(configDir)).registration_access_token;

    const updated = await oauth.updateClient({ client_name: 'renamed client' });
    expect(updated.client_name).toBe('renamed client');
    expect(updated.redirect_uris).toEqual(info.redirect_uris); // the rest of the metadata was sent back unchanged
    const secondToken = (await storedClient(configDir)).registration_access_token;
    expect(secondToken).toBeDefined();
    expect(secondToken).not.toBe(firstToken); // oidc-provider rotates it; we stored the new one
    expect((await oauth.getClientInfo()).client_name).toBe('renamed client');
    expect(await callTool(oauth.fetch, fx.mcp.url)).toBe('ok'); // tokens still fine after the update

    const registrationUri = (await storedClient(configDir)).registration_client_uri as string;
    await oauth.deleteClient();
    expect(await oauth.status()).toMatchObject({ loggedIn: false });
    expect((await oauth.status()).clientId).toBeUndefined();
    const gone = await fetch(registrationUri, { headers: { authorization: `Bearer ${secondToken}` }, signal: AbortSignal.timeout(5_000) });
    expect(gone.status).toBe(401);
    expect(isOAuthFlowError(await oauth.getClientInfo().catch((e: unknown) => e), 'MANAGEMENT_UNSUPPORTED')).toBe(true);
  });

  it('gives a clear error for a static client, and logout --all forgets the registration', async () => {
    const { oauth } = fx.client({ configDir: await fx.freshConfigDir(), clientId: 'static-client' });
    const error = await oauth.getClientInfo().catch((e: unknown) => e);
    expect(isOAuthFlowError(error, 'MANAGEMENT_UNSUPPORTED')).toBe(true);
    expect((error as Error).message).toMatch(/static --client-id/);

    const dir = await fx.freshConfigDir();
    const other = fx.client({ configDir: dir });
    await other.oauth.login();
    await other.oauth.logout();
    expect((await storedClient(dir)).client_id).toBeDefined();
    await other.oauth.logout({ all: true });
    expect(JSON.parse(await readFile(serverStorePaths(dir, new URL(fx.mcp.url)).file, 'utf8')).client).toBeUndefined();
  });
});

describe('env-file credentials mode', () => {
  it('logs in, writes MCP_CLIENT_* back preserving other lines, and reuses them', async () => {
    const dir = await fx.freshConfigDir();
    const envFile = join(dir, 'creds.env');
    await writeFile(envFile, '# keep me\nUNRELATED=value\n');
    const { oauth, browser } = fx.client({ configDir: dir, envFile, parseEnv: parseDotenv });
    expect(await callTool(oauth.fetch, fx.mcp.url)).toBe('ok');
    const text = await readFile(envFile, 'utf8');
    expect(text.startsWith('# keep me\nUNRELATED=value\n')).toBe(true);
    const vars = parseDotenv(text);
    for (const key of ['MCP_CLIENT_ID', 'MCP_CLIENT_ACCESS_TOKEN', 'MCP_CLIENT_REFRESH_TOKEN', 'MCP_CLIENT_REGISTRATION_TOKEN', 'MCP_CLIENT_REGISTRATION_URI']) {
      expect(vars[key], key).toBeTruthy();
    }
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    const again = fx.client({ configDir: dir, envFile, parseEnv: parseDotenv, now: () => Date.now() + 3_600_000 });
    expect(await callTool(again.oauth.fetch, fx.mcp.url)).toBe('ok'); // refreshes from the env-file tokens
    expect(again.browser.opened).toHaveLength(0);
    expect(browser.opened).toHaveLength(1);
    expect(parseDotenv(await readFile(envFile, 'utf8')).MCP_CLIENT_REFRESH_TOKEN).not.toBe(vars.MCP_CLIENT_REFRESH_TOKEN);
    // No registration or refresh token ever reached the logs.
    for (const line of fx.logLines) {
      expect(line.includes(vars.MCP_CLIENT_REGISTRATION_TOKEN as string)).toBe(false);
      expect(line.includes(vars.MCP_CLIENT_REFRESH_TOKEN as string)).toBe(false);
    }
  });
});
