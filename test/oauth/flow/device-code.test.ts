/**
 * --device-code (RFC 8628) through the real binary against oidc-provider's device flow. The test plays the
 * person: it reads the one stderr line, then drives oidc-provider's verification pages over HTTP (no browser).
 * Covers approval (then the shell commands work from the stored tokens), slow_down, access_denied, expiry,
 * cancellation by stdin EOF in the bridge, and an authorization server without the grant.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, CLIENT_BIN, spawnRawBridge, stopRawBridge } from '../../helpers/client-bridge.js';
import { createOAuthClient } from '../../../src/oauth/oauth-client.js';
import { runClientOnce } from '../../helpers/client-run.js';
import { createHeadlessBrowser } from '../../helpers/oauth-browser.js';
import { startAuthorizationServer } from '../../helpers/oauth-authorization-server.js';
import { approveDevice, startM2mAuthorizationServer, type M2mAuthorizationServer } from '../../helpers/oauth-m2m-server.js';
import { startProtectedMcp, type ProtectedMcp } from '../../helpers/oauth-protected-mcp.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const PROMPT = /To sign in, visit (\S+) \(or (\S+) and enter code (\S+)\)/;

interface Running {
  child: ChildProcessWithoutNullStreams;
  stderr(): string;
  exited: Promise<number | null>;
  /** Resolves with the verification URIs and code once the prompt line appeared. */
  prompt(timeoutMs?: number): Promise<{ complete: string; uri: string; code: string }>;
}

function start(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [CLIENT_BIN, ...args], { env: baseEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stderr: () => stderr,
    exited,
    async prompt(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = PROMPT.exec(stderr);
        if (match) return { complete: match[1] as string, uri: match[2] as string, code: match[3] as string };
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no device prompt; stderr:\n${stderr}`);
        await sleep(50);
      }
    },
  };
}

describe('mcp-client --device-code (oidc-provider)', () => {
  let as: M2mAuthorizationServer;
  let mcp: ProtectedMcp;
  const dirs: string[] = [];
  const children: ChildProcessWithoutNullStreams[] = [];
  const configDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-device-cfg-'));
    dirs.push(dir);
    return dir;
  };
  const login = (dir: string, extra: string[] = []): Running => {
    const running = start(['--login', '--device-code', '--client-id', 'device-public', ...extra, mcp.url], { MCP_CLIENT_CONFIG_DIR: dir });
    children.push(running.child);
    return running;
  };
  const polls = () => as.tokenRequests.filter((r) => r.grantType === DEVICE_GRANT);

  beforeAll(async () => {
    as = await startM2mAuthorizationServer();
    mcp = await startProtectedMcp(as.issuer);
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await mcp?.close();
    await as?.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('shows one plain line with the URI and code, polls until the person approves, then the shell commands work', async () => {
    const dir = await configDir();
    const running = login(dir);
    const prompt = await running.prompt();
    expect(prompt.complete).toContain(`user_code=`);
    expect(new URL(prompt.uri).origin).toBe(as.issuer);
    expect(await approveDevice(prompt.uri, prompt.code)).toBe('approved');
    expect(await running.exited, running.stderr()).toBe(0);
    expect(polls().some((p) => p.status === 200)).toBe(true);
    const authorizations = as.deviceAuthorizations;
    const list = await runClientOnce(['--list-tools', mcp.url], { env: { MCP_CLIENT_CONFIG_DIR: dir, MCP_CLIENT_DEVICE_CODE: '1', MCP_CLIENT_ID: 'device-public' } });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('echo');
    expect(as.deviceAuthorizations).toBe(authorizations); // no new sign-in
    // An expired access token is refreshed with the device client, still without a new sign-in.
    const file = join(dir, 'servers', (await readdir(join(dir, 'servers'))).find((f) => f.endsWith('.json')) as string);
    const state = JSON.parse(await readFile(file, 'utf8')) as { tokens: { expires_at: number; refresh_token?: string } };
    expect(state.tokens.refresh_token).toBeTruthy();
    state.tokens.expires_at = Date.now() - 1000;
    await writeFile(file, JSON.stringify(state));
    const refreshes = as.tokenRequests.filter((r) => r.grantType === 'refresh_token' && r.status === 200).length;
    const again = await runClientOnce(['-c', 'echo', '--device-code', '--client-id', 'device-public', mcp.url], { env: { MCP_CLIENT_CONFIG_DIR: dir } });
    expect(again.code, again.stderr).toBe(0);
    expect(as.tokenRequests.filter((r) => r.grantType === 'refresh_token' && r.status === 200).length).toBe(refreshes + 1);
    expect(as.deviceAuthorizations).toBe(authorizations);
  }, 60_000);

  it('without --client-id: registers a device-grant client dynamically once, and reuses it for the next sign-in', async () => {
    const dir = await configDir();
    const clientIds: string[] = [];
    for (let round = 0; round < 2; round++) {
      const running = start(['--login', '--device-code', mcp.url], { MCP_CLIENT_CONFIG_DIR: dir });
      children.push(running.child);
      const prompt = await running.prompt();
      expect(await approveDevice(prompt.uri, prompt.code)).toBe('approved');
      expect(await running.exited, running.stderr()).toBe(0);
      const file = join(dir, 'servers', (await readdir(join(dir, 'servers'))).find((f) => f.endsWith('.json')) as string);
      const state = JSON.parse(await readFile(file, 'utf8')) as { client: { client_id: string; metadata: { grant_types: string[] } } };
      expect(state.client.metadata.grant_types).toContain(DEVICE_GRANT);
      clientIds.push(state.client.client_id);
      expect(running.stderr().includes('registered a new OAuth client for the device grant')).toBe(round === 0);
    }
    expect(clientIds[1]).toBe(clientIds[0]);
    // A browser login later does not mistake the device registration for its own: it registers anew.
    const browser = createHeadlessBrowser();
    const oauth = createOAuthClient({ serverUrl: mcp.url, configDir: dir, openBrowser: (url) => browser.open(url), authTimeoutMs: 15_000 });
    await oauth.login();
    expect((await oauth.status()).clientId).not.toBe(clientIds[0]);
  }, 60_000);

  it('honours slow_down: the next poll comes at least 5 s later', async () => {
    const dir = await configDir();
    as.slowDownNext(1);
    const before = polls().length;
    const running = login(dir);
    const prompt = await running.prompt();
    const deadline = Date.now() + 15_000;
    while (!polls().slice(before).some((p) => p.error === 'slow_down') && Date.now() < deadline) await sleep(50);
    expect(await approveDevice(prompt.complete, prompt.code)).toBe('approved');
    expect(await running.exited, running.stderr()).toBe(0);
    const mine = polls().slice(before);
    const slowed = mine.findIndex((p) => p.error === 'slow_down');
    expect(slowed).toBeGreaterThanOrEqual(0);
    const next = mine[slowed + 1];
    expect(next).toBeDefined();
    expect((next?.at ?? 0) - (mine[slowed]?.at ?? 0)).toBeGreaterThanOrEqual(5_000);
  }, 40_000);

  it('stops with a clear message when the person denies (access_denied)', async () => {
    const running = login(await configDir());
    const prompt = await running.prompt();
    expect(await approveDevice(prompt.uri, prompt.code, { deny: true })).toBe('denied');
    expect(await running.exited).toBe(1);
    expect(running.stderr()).toContain('the sign-in was denied at the authorization server (access_denied)');
  });

  it('stops with a clear message when the code expires', async () => {
    const short = await startM2mAuthorizationServer({ deviceCodeTtl: 2 });
    const server = await startProtectedMcp(short.issuer);
    try {
      const running = start(['--login', '--device-code', '--client-id', 'device-public', server.url], { MCP_CLIENT_CONFIG_DIR: await configDir() });
      children.push(running.child);
      await running.prompt();
      expect(await running.exited).toBe(1);
      expect(running.stderr()).toContain('the device code expired before the sign-in was finished');
    } finally {
      await server.close();
      await short.close();
    }
  });

  it('the bridge stops polling when its stdin ends (cancelled sign-in)', async () => {
    const dir = await configDir();
    const bridge = spawnRawBridge(['--device-code', '--client-id', 'device-public', mcp.url], { MCP_CLIENT_CONFIG_DIR: dir });
    children.push(bridge.child);
    try {
      bridge.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
      const deadline = Date.now() + 15_000;
      while (!PROMPT.test(bridge.stderr()) && Date.now() < deadline) await sleep(50);
      expect(bridge.stderr()).toMatch(PROMPT);
      bridge.child.stdin.end();
      const exit = await Promise.race([bridge.exited, sleep(20_000).then(() => 'still running' as const)]);
      expect(exit).not.toBe('still running');
      const after = polls().length;
      await sleep(2_500);
      expect(polls().length).toBe(after);
    } finally {
      await stopRawBridge(bridge);
    }
  });

  it('refuses clearly when the authorization server has no device_authorization_endpoint', async () => {
    const plain = await startAuthorizationServer();
    const server = await startProtectedMcp(plain.issuer);
    try {
      const result = await runClientOnce(['--login', '--device-code', '--client-id', 'x', server.url], { env: { MCP_CLIENT_CONFIG_DIR: await configDir() } });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('does not offer the device authorization grant (no device_authorization_endpoint in its metadata)');
    } finally {
      await server.close();
      await plain.close();
    }
  });
});
