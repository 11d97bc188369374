/**
 * --client-credentials through the real binary against oidc-provider: each token-endpoint method
 * (client_secret_basic, client_secret_post, private_key_jwt with ES256 PEM / RS256 JWK keys), the
 * assertion's claims, re-acquisition on expiry and on 401, the bridge, and the refusals.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge } from '../../helpers/client-bridge.js';
import { runClientOnce } from '../../helpers/client-run.js';
import { M2M_SECRET, startM2mAuthorizationServer, type M2mAuthorizationServer } from '../../helpers/oauth-m2m-server.js';
import { startProtectedMcp, type ProtectedMcp } from '../../helpers/oauth-protected-mcp.js';

const CC = 'client_credentials';

async function storedTokens(dir: string): Promise<{ access_token: string; scope?: string; expires_at: number; refresh_token?: string }> {
  const name = (await readdir(join(dir, 'servers'))).find((f) => f.endsWith('.json')) as string;
  return (JSON.parse(await readFile(join(dir, 'servers', name), 'utf8')) as { tokens: { access_token: string; expires_at: number } }).tokens;
}

describe('mcp-client --client-credentials (oidc-provider)', () => {
  let as: M2mAuthorizationServer;
  let mcp: ProtectedMcp;
  const dirs: string[] = [];
  const configDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-m2m-cfg-'));
    dirs.push(dir);
    return dir;
  };
  const grantsOf = (clientless = CC) => as.tokenRequests.filter((r) => r.grantType === clientless);

  beforeAll(async () => {
    as = await startM2mAuthorizationServer({ accessTokenTtl: 300 });
    mcp = await startProtectedMcp(as.issuer);
  });
  afterAll(async () => {
    await mcp?.close();
    await as?.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('client_secret_basic: --list-tools and -c work with no browser; the secret goes in the Authorization header', async () => {
    const dir = await configDir();
    const before = grantsOf().length;
    const list = await runClientOnce(['--list-tools', '--client-credentials', '--client-id', 'm2m-basic', '--client-secret', M2M_SECRET, mcp.url], { env: { MCP_CLIENT_CONFIG_DIR: dir } });
    expect(list.stderr).not.toContain(M2M_SECRET);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('echo');
    const requests = grantsOf().slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ status: 200, secretIn: 'basic' });
    expect(as.interactions).toBe(0);
    // The token is stored (0600) and reused by the next run: no second grant.
    const call = await runClientOnce(['-c', 'echo', '--client-credentials', mcp.url], { env: { MCP_CLIENT_CONFIG_DIR: dir, MCP_CLIENT_ID: 'm2m-basic', MCP_CLIENT_SECRET: M2M_SECRET } });
    expect(call.code, call.stderr).toBe(0);
    expect(call.stdout).toContain('ok');
    expect(grantsOf().length - before).toBe(1);
    const token = (await storedTokens(dir)).access_token;
    expect(token.length).toBeGreaterThan(20);
    for (const stderr of [list.stderr, call.stderr]) expect(stderr).not.toContain(token);
  }, 60_000);

  it('step-up: a 403 insufficient_scope gets a new token with the wider scope, no person involved', async () => {
    const dir = await configDir();
    const before = grantsOf().length;
    const result = await runClientOnce(['-c', 'admin-echo', '--client-credentials', '--client-id', 'm2m-basic', '--client-secret', M2M_SECRET, mcp.url], { env: { MCP_CLIENT_CONFIG_DIR: dir } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('admin ok');
    expect(grantsOf().length - before).toBe(2);
    expect((await storedTokens(dir)).scope?.split(' ')).toEqual(expect.arrayContaining(['mcp:read', 'mcp:admin']));
  });

  it('client_secret_post when the authorization server lists only that (MCP_CLIENT_* variables only)', async () => {
    const postOnly = await startM2mAuthorizationServer({ clientAuthMethods: ['client_secret_post', 'private_key_jwt', 'none'] });
    const server = await startProtectedMcp(postOnly.issuer);
    try {
      const dir = await configDir();
      const result = await runClientOnce(['--list-tools', server.url], { env: { MCP_CLIENT_CONFIG_DIR: dir, MCP_CLIENT_CREDENTIALS: '1', MCP_CLIENT_ID: 'm2m-post', MCP_CLIENT_SECRET: M2M_SECRET } });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toContain(M2M_SECRET);
      expect(postOnly.tokenRequests.filter((r) => r.grantType === CC).map((r) => [r.status, r.secretIn])).toEqual([[200, 'post']]);
    } finally {
      await server.close();
      await postOnly.close();
    }
  });

  it('a token-only authorization server (no authorization_endpoint, no PKCE metadata) still serves client credentials', async () => {
    const tokenOnly = await startM2mAuthorizationServer({ tokenOnly: true });
    const server = await startProtectedMcp(tokenOnly.issuer);
    try {
      const dir = await configDir();
      const m2m = await runClientOnce(['--list-tools', '--client-credentials', '--client-id', 'm2m-es256', '--client-key', tokenOnly.keys.es256Pem, server.url], { env: { MCP_CLIENT_CONFIG_DIR: dir } });
      expect(m2m.code, m2m.stderr).toBe(0);
      // A browser login still needs PKCE S256 from the same server: refused.
      const login = await runClientOnce(['--login', '--no-browser', server.url], { env: { MCP_CLIENT_CONFIG_DIR: await configDir() } });
      expect(login.code).toBe(1);
      expect(login.stderr).toContain('does not advertise PKCE S256');
    } finally {
      await server.close();
      await tokenOnly.close();
    }
  });

  it('private_key_jwt with an ES256 PEM and an RS256 JWK: iss = sub = client id, aud = issuer, short exp, fresh jti', async () => {
    for (const [clientId, key, alg] of [
      ['m2m-es256', as.keys.es256Pem, 'ES256'],
      ['m2m-rs256', as.keys.rs256Jwk, 'RS256'],
    ] as const) {
      const dir = await configDir();
      const before = grantsOf().length;
      // The RS256 run is configured by MCP_CLIENT_* variables alone.
      const result =
        alg === 'ES256'
          ? await runClientOnce(['-c', 'echo', '--client-credentials', '--client-id', clientId, '--client-key', key, mcp.url], { env: { MCP_CLIENT_CONFIG_DIR: dir } })
          : await runClientOnce(['-c', 'echo', mcp.url], { env: { MCP_CLIENT_CONFIG_DIR: dir, MCP_CLIENT_CREDENTIALS: 'true', MCP_CLIENT_ID: clientId, MCP_CLIENT_KEY: key } });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('ok');
      const [request] = grantsOf().slice(before);
      expect(request?.status).toBe(200);
      expect(request?.secretIn).toBeUndefined();
      expect(request?.assertion?.header.alg).toBe(alg);
      const claims = request?.assertion?.payload ?? {};
      expect(claims).toMatchObject({ iss: clientId, sub: clientId, aud: as.issuer });
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(300);
      expect(typeof claims.jti).toBe('string');
    }
    const jtis = as.tokenRequests.map((r) => r.assertion?.payload.jti).filter(Boolean);
    expect(new Set(jtis).size).toBe(jtis.length);
  }, 60_000);

  it('the bridge gets a new token when the stored one expired and when the server refuses it (401)', async () => {
    const dir = await configDir();
    const before = grantsOf().length;
    const bridge = await startBridge({ args: ['--client-credentials', '--client-id', 'm2m-es256', '--client-key', as.keys.es256Jwk, mcp.url], env: { MCP_CLIENT_CONFIG_DIR: dir } });
    try {
      expect((await bridge.client.listTools()).tools.map((t) => t.name)).toContain('echo');
      expect(grantsOf().length - before).toBe(1);
      mcp.rejectNext(1);
      const result = await bridge.client.callTool({ name: 'echo', arguments: {} });
      expect((result.content as { text: string }[])[0]?.text).toBe('ok');
      expect(grantsOf().length - before).toBe(2);
    } finally {
      await bridge.close();
    }
    // Expired on disk: the next run asks again rather than sending it.
    const name = (await readdir(join(dir, 'servers'))).find((f) => f.endsWith('.json')) as string;
    const stored = JSON.parse(await readFile(join(dir, 'servers', name), 'utf8')) as { tokens: { expires_at: number; refresh_token?: string } };
    expect(stored.tokens.refresh_token).toBeUndefined();
    stored.tokens.expires_at = Date.now() - 1000;
    await writeFile(join(dir, 'servers', name), JSON.stringify(stored));
    const again = await runClientOnce(['--list-tools', '--client-credentials', '--client-id', 'm2m-es256', '--client-key', as.keys.es256Jwk, mcp.url], { env: { MCP_CLIENT_CONFIG_DIR: dir } });
    expect(again.code, again.stderr).toBe(0);
    expect(grantsOf().length - before).toBe(3);
  }, 60_000);

  it('refusals: a key the server does not know, a missing secret/key, a bad key file, --client-key without --client-credentials', async () => {
    const dir = await configDir();
    const stranger = await runClientOnce(['--list-tools', '--client-credentials', '--client-id', 'm2m-es256', '--client-key', as.keys.strangerPem, mcp.url], { env: { MCP_CLIENT_CONFIG_DIR: dir } });
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain('invalid_client');
    const missing = await runClientOnce(['--list-tools', '--client-credentials', '--client-id', 'm2m-basic', mcp.url], { env: { MCP_CLIENT_CONFIG_DIR: dir } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--client-secret or --client-key');
    const pem = await readFile(as.keys.es256Pem, 'utf8');
    const keyBody = pem.split('\n')[1] as string;
    expect(stranger.stderr).not.toContain(keyBody);
    const bad = await runClientOnce(['--list-tools', '--client-credentials', '--client-id', 'm2m-es256', '--client-key', join(dir, 'nope.pem'), mcp.url], { env: { MCP_CLIENT_CONFIG_DIR: dir } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('nope.pem');
    const stray = await runClientOnce(['--list-tools', '--client-key', as.keys.es256Pem, mcp.url], { env: { MCP_CLIENT_CONFIG_DIR: dir } });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--client-key goes with --client-credentials');
  }, 60_000);
});
