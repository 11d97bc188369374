/**
 * The era cache through the real binary: a second run against a known server sends no probe (counted at
 * the server), for the bridge and the shell commands, on a 2025-only and a 2026-07-28-only remote;
 * --no-era-cache probes every time; a cached answer that stopped working is dropped (and, for the shell
 * commands, the negotiation runs again in the same run).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileEraCache } from '../../src/client/remote/era-cache.js';
import { startBridge } from '../helpers/client-bridge.js';
import { runClientOnce } from '../helpers/client-run.js';
import { startTestServer, type TestServer } from '../helpers/client-test-server.js';
import { startModernHttpRemote, type ModernHttpRemote } from '../helpers/modern-http-remote.js';

const dirs: string[] = [];
async function configDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-era-cli-'));
  dirs.push(dir);
  return dir;
}
const cacheOn = (dir: string) => ({ MCP_CLIENT_ERA_CACHE: 'true', MCP_CLIENT_CONFIG_DIR: dir });

async function bridgeListsTools(url: string, env: Record<string, string>, args: string[] = []): Promise<string> {
  const bridge = await startBridge({ args: [...args, url], env, era: 'legacy' });
  try {
    expect((await bridge.client.listTools()).tools.map((t) => t.name)).toContain('echo');
    return bridge.stderr();
  } finally {
    await bridge.close();
  }
}

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('era cache on a 2025-only remote', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  const probes = () => server.requests.filter((r) => r.rpcMethod === 'ping' && !r.sessionId).length;
  const discovers = () => server.requests.filter((r) => r.rpcMethod === 'server/discover').length;

  it('the bridge probes once; the next run uses the cache (0600 file); --no-era-cache probes again', async () => {
    const dir = await configDir();
    const before = probes();
    await bridgeListsTools(server.url, cacheOn(dir));
    expect(probes() - before).toBe(1);
    expect((await stat(join(dir, 'era-cache.json'))).mode & 0o777).toBe(0o600);
    const second = await bridgeListsTools(server.url, cacheOn(dir));
    expect(probes() - before).toBe(1);
    expect(second).toMatch(/"msg":"protocol route chosen".*"cached":true/);
    await bridgeListsTools(server.url, cacheOn(dir), ['--no-era-cache']);
    expect(probes() - before).toBe(2);
  }, 60_000);

  it('the shell commands skip the server/discover probe once the server is known to be 2025-era', async () => {
    const dir = await configDir();
    const before = discovers();
    const first = await runClientOnce(['--list-tools', server.url], { env: cacheOn(dir) });
    expect(first.code, first.stderr).toBe(0);
    expect(discovers() - before).toBeGreaterThanOrEqual(1);
    const afterFirst = discovers();
    const second = await runClientOnce(['--list-tools', server.url], { env: cacheOn(dir) });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('echo');
    expect(discovers()).toBe(afterFirst);
  });
});

describe('era cache on a 2026-07-28-only remote that answers ping with 404 / -32601', () => {
  let remote: ModernHttpRemote;
  beforeAll(async () => {
    remote = await startModernHttpRemote('modern-404', { legacyAnswer: 'not-found-404' });
  });
  afterAll(async () => {
    await remote?.close();
  });
  const pings = () => remote.requests.filter((r) => r.rpcMethod === 'ping').length;

  it('a 2025 local client is adapted (not taken for a 2025 server); the second run does not probe', async () => {
    const dir = await configDir();
    const before = pings();
    const first = await bridgeListsTools(remote.url, cacheOn(dir));
    expect(first).toMatch(/"msg":"protocol route chosen".*"route":"legacy-on-modern"/);
    expect(pings() - before).toBe(1);
    const second = await bridgeListsTools(remote.url, cacheOn(dir));
    expect(second).toMatch(/"msg":"protocol route chosen".*"route":"legacy-on-modern".*"cached":true/);
    expect(pings() - before).toBe(1);
  });

  it('a cached answer that stopped working: the shell command negotiates again in the same run and re-learns', async () => {
    const dir = await configDir();
    const cache = createFileEraCache({ configDir: dir });
    await cache.set(new URL(remote.url), 'discover', 'legacy'); // as if the server had been 2025-era yesterday
    const result = await runClientOnce(['--list-tools', remote.url], { env: cacheOn(dir) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('echo');
    expect(result.stderr).toContain('the cached protocol era no longer fits this server');
    expect(await cache.get(new URL(remote.url), 'discover')).toBe('modern');
  });

  it('a cached answer that stopped working: the bridge drops it, so the next run probes and works', async () => {
    const dir = await configDir();
    const cache = createFileEraCache({ configDir: dir });
    await cache.set(new URL(remote.url), 'serves-legacy', 'legacy');
    const stale = await startBridge({ args: [remote.url], env: cacheOn(dir), era: 'legacy' }).then(
      async (h) => {
        await h.close();
        return 'connected';
      },
      () => 'refused',
    );
    expect(stale).toBe('refused');
    const deadline = Date.now() + 10_000;
    while ((await cache.get(new URL(remote.url), 'serves-legacy')) !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await cache.get(new URL(remote.url), 'serves-legacy')).toBeUndefined();
    expect(await bridgeListsTools(remote.url, cacheOn(dir))).toMatch(/"route":"legacy-on-modern"/);
  });
});
