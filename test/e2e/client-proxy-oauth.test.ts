/**
 * The product path end to end, every part real: the mcp-client binary signs in (RFC 9728/8414 discovery,
 * dynamic registration, PKCE; the test plays the browser) against oidc-provider, then lists and calls tools
 * through the mcp-proxy binary in --oauth-issuer mode, which wraps a real stdio fixture server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthorizationServer, type TestAuthorizationServer } from '../helpers/oauth-authorization-server.js';
import { createHeadlessBrowser } from '../helpers/oauth-browser.js';
import { FIXTURE, ROOT, waitFor } from '../helpers/proxy-harness.js';

const children: ChildProcess[] = [];
let as: TestAuthorizationServer;
let configDir: string;
let url: string;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function run(bin: string, args: string[]): { proc: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const proc = spawn(process.execPath, [`${ROOT}bin/${bin}.js`, ...args], { cwd: ROOT, env: { ...process.env, MCP_PROXY_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, out: () => out, err: () => err, exit };
}

beforeAll(async () => {
  as = await startAuthorizationServer();
  configDir = await mkdtemp(join(tmpdir(), 'mcp-e2e-'));
  const port = await freePort();
  const proxy = run('mcp-proxy', ['--port', String(port), '--oauth-issuer', as.issuer, '--oauth-scope', 'mcp:read', '--kill-grace', '1', '--', process.execPath, FIXTURE]);
  if (!(await waitFor(() => /"msg":"listening"/.test(proxy.err()), 10_000))) throw new Error(`proxy did not start: ${proxy.err()}`);
  url = `http://127.0.0.1:${port}/mcp`;
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await as?.close();
  await rm(configDir, { recursive: true, force: true });
});

describe('mcp-client ⇄ mcp-proxy (OAuth resource server) ⇄ oidc-provider', () => {
  it('refuses an unauthenticated request with 401 and RFC 9728 metadata', async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/resource_metadata="([^"]+)"/);
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)![1]!;
    const metadata = (await (await fetch(metadataUrl)).json()) as { resource: string; authorization_servers: string[] };
    expect(metadata.resource).toBe(url);
    expect(metadata.authorization_servers).toContain(as.issuer);
  });

  it('--login: discovers, registers, signs in through the browser; tokens stored 0600', async () => {
    const login = run('mcp-client', ['--login', '--no-browser', '--config-dir', configDir, url]);
    expect(await waitFor(() => /"url":"http[^"]+\/auth\?/.test(login.err()), 15_000)).toBe(true);
    const authUrl = JSON.parse(login.err().split('\n').find((l) => l.includes('sign-in needed'))!).url as string;
    await createHeadlessBrowser().open(authUrl);
    const code = await login.exit;
    if (code !== 0) console.error(login.err());
    expect(code).toBe(0);
    const files = await readdir(configDir, { recursive: true });
    const modes = await Promise.all(files.map(async (f) => ({ f, s: await stat(join(configDir, f)) })));
    const regular = modes.filter((m) => m.s.isFile() && !m.f.endsWith('.lock'));
    expect(regular.length).toBeGreaterThan(0);
    for (const m of regular) expect(m.s.mode & 0o777).toBe(0o600);
    expect(login.err()).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
  });

  it('--list-tools and -c then work with no browser, through the proxy', async () => {
    const list = run('mcp-client', ['--list-tools', '--json', '--no-browser', '--config-dir', configDir, url]);
    const listCode = await list.exit;
    if (listCode !== 0) console.error(list.err());
    expect(listCode).toBe(0);
    expect(JSON.stringify(JSON.parse(list.out()))).toContain('"echo"');
    const call = run('mcp-client', ['-c', "echo message='through oauth'", '--no-browser', '--config-dir', configDir, url]);
    expect(await call.exit).toBe(0);
    expect(call.out()).toContain('echo: through oauth');
  });

  it('--token shows status without secrets', async () => {
    const token = run('mcp-client', ['--token', '--json', '--config-dir', configDir, url]);
    expect(await token.exit).toBe(0);
    expect(token.out()).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
    expect(token.out()).toMatch(/expires/i);
  });
});
