/**
 * The OAuth interop behaviours of the mcp-client binary (built dist/, spawned with node) against the minimal
 * AS: --authorize-param / --no-resource / --scope and their MCP_CLIENT_* variables, --logout revoking at the AS,
 * a failing resource_metadata URL on every path (--login, -c, the bridge), a refusal's message and exit code,
 * and three processes starting together with no credentials (one registration, one sign-in), five times.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { baseEnv, CLIENT_BIN, isAlive } from '../helpers/client-bridge.js';
import { runClientOnce } from '../helpers/client-run.js';
import { runClientWithBrowser, watchSignIns } from '../helpers/client-signin.js';
import { createHeadlessBrowser } from '../helpers/oauth-browser.js';
import { startMinimalFixture, type MinimalFixture } from '../helpers/minimal-oauth-fixture.js';
import { startAuthorizationServer } from '../helpers/oauth-authorization-server.js';
import { startProtectedMcp } from '../helpers/oauth-protected-mcp.js';

let fx: MinimalFixture | undefined;
const dirs: string[] = [];
const freshDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-client-interop-'));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('request flags through the binary', () => {
  it('--authorize-param (repeatable), --no-resource and --scope shape the authorization request', async () => {
    fx = await startMinimalFixture({ rejectResource: true }, { challengeScope: 'mcp:read' });
    const dir = await freshDir();
    const run = await runClientWithBrowser(['--login', '--config-dir', dir, '--authorize-param', 'prompt=consent', '--authorize-param', 'access_type=offline', '--no-resource', '--scope', 'mcp:read extra', fx.mcp.url]);
    expect(run.code, run.stderr).toBe(0);
    const request = fx.as.authorizations.at(-1);
    expect(request?.get('prompt')).toBe('consent');
    expect(request?.get('access_type')).toBe('offline');
    expect(request?.has('resource')).toBe(false);
    expect(request?.get('scope')).toBe('mcp:read extra');
    const call = await runClientOnce(['-c', 'echo', '--no-browser', '--no-resource', '--config-dir', dir, fx.mcp.url]);
    expect(call.code, call.stderr).toBe(0);
  });

  it('the same through MCP_CLIENT_AUTHORIZE_PARAMS, MCP_CLIENT_NO_RESOURCE and MCP_CLIENT_SCOPE', async () => {
    fx = await startMinimalFixture({ rejectResource: true });
    const dir = await freshDir();
    const env = { MCP_CLIENT_AUTHORIZE_PARAMS: 'prompt=login\naudience=api', MCP_CLIENT_NO_RESOURCE: 'true', MCP_CLIENT_SCOPE: 'from-env' };
    const run = await runClientWithBrowser(['--login', '--config-dir', dir, fx.mcp.url], { env });
    expect(run.code, run.stderr).toBe(0);
    const request = fx.as.authorizations.at(-1);
    expect([request?.get('prompt'), request?.get('audience'), request?.has('resource'), request?.get('scope')]).toEqual(['login', 'api', false, 'from-env']);
  });

  it('without --no-resource, an AS that rejects resource gives one clear line and exit 1', async () => {
    fx = await startMinimalFixture({ rejectResource: true });
    const run = await runClientWithBrowser(['--login', '--config-dir', await freshDir(), fx.mcp.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('try --no-resource');
  });

  it('a flow-owned --authorize-param is a usage error (exit 2)', async () => {
    const run = await runClientOnce(['--login', '--authorize-param', 'redirect_uri=http://evil', 'http://127.0.0.1:9/mcp']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--authorize-param cannot set "redirect_uri"');
  });

  it('--logout revokes both tokens at the AS (RFC 7009), then forgets them', async () => {
    fx = await startMinimalFixture({ revocation: true });
    const dir = await freshDir();
    expect((await runClientWithBrowser(['--login', '--config-dir', dir, fx.mcp.url])).code).toBe(0);
    const logout = await runClientOnce(['--logout', '--config-dir', dir, fx.mcp.url]);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stderr).toContain('Revoked 2 token(s) at the authorization server');
    expect(fx.as.revoked).toHaveLength(2);
    const token = await runClientOnce(['--token', '--json', '--config-dir', dir, fx.mcp.url]);
    expect(JSON.parse(token.stdout)).toMatchObject({ loggedIn: false });
  });

  it('a step-up the AS never grants stops after three authorizations: one clear line, exit 1', async () => {
    fx = await startMinimalFixture({ grant: () => 'mcp:read' }, { challengeScope: 'mcp:read', requiredScope: 'mcp:read' });
    const run = await runClientWithBrowser(['-c', 'admin-echo', '--config-dir', await freshDir(), fx.mcp.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/still demands scope .*mcp:admin.* after 3 authorizations/);
    expect(run.signIns).toHaveLength(4);
  });

  it('an iss refusal names both values and exits 1', async () => {
    fx = await startMinimalFixture({ iss: 'wrong' });
    const run = await runClientWithBrowser(['--login', '--config-dir', await freshDir(), fx.mcp.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`\\"${fx.as.issuer}/\\"`);
    expect(run.stderr).toContain(`expected \\"${fx.as.issuer}\\"`);
  });
});

describe('a failing resource_metadata URL falls back to the well-known locations on every path', () => {
  const broken = (origin: string): string => `${origin}/broken-metadata`;

  it('--login', async () => {
    fx = await startMinimalFixture({}, { resourceMetadataUrl: broken });
    const run = await runClientWithBrowser(['--login', '--config-dir', await freshDir(), fx.mcp.url]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('trying the well-known locations');
  });

  it('-c (shell command) and --list-tools', async () => {
    fx = await startMinimalFixture({}, { resourceMetadataUrl: broken });
    const dir = await freshDir();
    const call = await runClientWithBrowser(['-c', 'echo', '--config-dir', dir, fx.mcp.url]);
    expect(call.code, call.stderr).toBe(0);
    expect(call.signIns).toHaveLength(1);
    expect(call.stderr).toContain('trying the well-known locations');
    const list = await runClientWithBrowser(['--list-tools', '--config-dir', await freshDir(), fx.mcp.url]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('admin-echo');
  });

  it('the stdio bridge', async () => {
    fx = await startMinimalFixture({}, { resourceMetadataUrl: broken });
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLIENT_BIN, '--no-browser', '--config-dir', await freshDir(), fx.mcp.url], env: baseEnv(), stderr: 'pipe' });
    const browser = createHeadlessBrowser();
    const stderr = watchSignIns(transport.stderr, (url) => void browser.open(url).catch(() => undefined));
    const client = new Client({ name: 'interop-test', version: '1.0.0' });
    try {
      await client.connect(transport, { timeout: 20_000 });
      const tools = await client.listTools(undefined, { timeout: 20_000 });
      expect(tools.tools.map((t) => t.name)).toContain('echo');
      expect(browser.opened).toHaveLength(1);
      expect(stderr()).toContain('trying the well-known locations');
    } finally {
      const pid = transport.pid;
      await client.close();
      for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      expect(isAlive(pid)).toBe(false);
    }
  });
});

describe('several processes at once', () => {
  it('three mcp-client processes with no credentials: one registration, one sign-in, all three work — five times', async () => {
    fx = await startMinimalFixture({}, { challengeScope: 'mcp:read' });
    const f = fx;
    for (let round = 0; round < 5; round++) {
      const dir = await freshDir();
      const registrations = f.as.registrations.length;
      const authorizations = f.as.authorizations.length;
      const runs = await Promise.all([0, 1, 2].map(() => runClientWithBrowser(['-c', 'echo', '--config-dir', dir, f.mcp.url], { timeoutMs: 40_000 })));
      for (const run of runs) expect(run.code, `round ${round}: ${run.stderr}`).toBe(0);
      expect(runs.reduce((n, r) => n + r.signIns.length, 0), `round ${round}`).toBe(1);
      expect(f.as.registrations.length - registrations, `round ${round}`).toBe(1);
      expect(f.as.authorizations.length - authorizations, `round ${round}`).toBe(1);
      for (const run of runs) expect(isAlive(run.pid)).toBe(false);
    }
  }, 240_000);

  it('the same against oidc-provider (login and consent forms): one registration, one sign-in', async () => {
    const as = await startAuthorizationServer();
    const mcp = await startProtectedMcp(as.issuer);
    try {
      let registrations = 0;
      as.provider.on('registration_create.success', () => registrations++);
      const dir = await freshDir();
      const runs = await Promise.all([0, 1, 2].map(() => runClientWithBrowser(['-c', 'echo', '--config-dir', dir, mcp.url], { timeoutMs: 40_000 })));
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      expect(runs.reduce((n, r) => n + r.signIns.length, 0)).toBe(1);
      expect(registrations).toBe(1);
      expect(as.grants.authorization_code).toBe(1);
    } finally {
      await mcp.close();
      await as.close();
    }
  }, 120_000);
});
