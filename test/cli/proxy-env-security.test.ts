import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/client-bridge.js';
import { FIXTURE, textOf } from '../helpers/proxy-harness.js';
import { cleanEnv, killProxyBinaries, runBinary, startProxyBinary, type ProxyBinary } from '../helpers/proxy-binary.js';
import { call, INIT, openSession, post } from '../helpers/raw-http.js';

/** Configuration as users write it (environment, `.env` in the working directory), on the real binary. */

const started: ProxyBinary[] = [];
const fixture = ['--', process.execPath, FIXTURE];
const dirWithDotenv = (text: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-proxy-dotenv-'));
  writeFileSync(join(dir, '.env'), text);
  return dir;
};
async function start(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<ProxyBinary> {
  const p = await startProxyBinary(args, { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json', ...env }), ...(cwd ? { cwd } : {}) });
  started.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});
afterAll(() => killProxyBinaries());

describe('mcp-proxy protection asked for by configuration is enforced', () => {
  it('MCP_PROXY_AUTH_TOKEN in the environment: unauthenticated initialize gets 401, and the log says so', async () => {
    const p = await start(['--port', '0', ...fixture], { MCP_PROXY_AUTH_TOKEN: 's3cret' });
    expect(p.stderr()).toContain('"protection":"bearer token"');
    const res = await post(p.url, INIT);
    expect(res.status).toBe(401);
    expect((await post(p.url, INIT, { authorization: 'Bearer wrong' })).status).toBe(401);
    await openSession(p.url, { authorization: 'Bearer s3cret' });
  });

  it('MCP_PROXY_AUTH_TOKEN from .env in the working directory is enforced too', async () => {
    const p = await start(['--port', '0', ...fixture], {}, dirWithDotenv('MCP_PROXY_AUTH_TOKEN=from-dotenv\n'));
    expect((await post(p.url, INIT)).status).toBe(401);
    await openSession(p.url, { authorization: 'Bearer from-dotenv' });
  });

  it('an empty token (environment, .env or flag) refuses to start instead of running open', async () => {
    for (const run of [
      await runBinary(['--port', '0', ...fixture], { env: cleanEnv({ MCP_PROXY_AUTH_TOKEN: '' }) }),
      await runBinary(['--port', '0', ...fixture], { env: cleanEnv(), cwd: dirWithDotenv('MCP_PROXY_AUTH_TOKEN=\n') }),
      await runBinary(['--port', '0', '--auth-token', '', ...fixture], { env: cleanEnv() }),
    ]) {
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/MCP_PROXY_AUTH_TOKEN is set but empty|empty token/);
      expect(run.stderr).not.toContain('listening');
    }
  });

  it('the child never sees MCP_PROXY_* variables (the token among them), but does see the rest of .env', async () => {
    const p = await start(['--port', '0', ...fixture], { MCP_PROXY_AUTH_TOKEN: 's3cret' }, dirWithDotenv('SERVER_API_KEY=abc\nMCP_PROXY_LOG_LEVEL=info\n'));
    const sid = await openSession(p.url, { authorization: 'Bearer s3cret' });
    const env = async (name: string): Promise<string> => {
      const res = await post(p.url, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'env', arguments: { name } } }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', authorization: 'Bearer s3cret' });
      const text = await res.text();
      return /"text":"([^"]*)"/.exec(text)?.[1] ?? text;
    };
    expect(await env('MCP_PROXY_AUTH_TOKEN')).toBe('(unset)');
    expect(await env('MCP_PROXY_LOG_FORMAT')).toBe('(unset)');
    expect(await env('MCP_PROXY_LOG_LEVEL')).toBe('(unset)');
    expect(await env('SERVER_API_KEY')).toBe('abc');
  });
});

describe('mcp-proxy precedence and booleans', () => {
  it('flag > environment > .env > default', async () => {
    const [a, b, c] = [await freePort(), await freePort(), await freePort()];
    const dir = dirWithDotenv(`MCP_PROXY_PORT=${a}\nMCP_PROXY_ENDPOINT=/from-dotenv\n`);
    const fromFile = await start(fixture, {}, dir);
    expect(fromFile.url).toBe(`http://127.0.0.1:${a}/from-dotenv`);
    await fromFile.stop();
    const fromEnv = await start(fixture, { MCP_PROXY_PORT: String(b) }, dir);
    expect(fromEnv.url).toBe(`http://127.0.0.1:${b}/from-dotenv`);
    await fromEnv.stop();
    const fromFlag = await start(['--port', String(c), ...fixture], { MCP_PROXY_PORT: String(b) }, dir);
    expect(fromFlag.url).toBe(`http://127.0.0.1:${c}/from-dotenv`);
    const byDefault = await start(['--port', '0', ...fixture]);
    expect(byDefault.url).toMatch(/\/mcp$/);
  });

  it('booleans set to false are false: MCP_PROXY_SHELL, MCP_PROXY_DEMO, MCP_PROXY_PASS_ENV', async () => {
    const shellOff = await runBinary(['--port', '0', '--', `${process.execPath} ${FIXTURE}`], { env: cleanEnv({ MCP_PROXY_SHELL: 'false' }) });
    expect(shellOff.code).toBe(1);
    const demoOff = await runBinary(['--port', '0'], { env: cleanEnv({ MCP_PROXY_DEMO: 'FALSE' }) });
    expect(demoOff.code).toBe(2);
    const p = await start(['--port', '0', ...fixture], { MCP_PROXY_PASS_ENV: '0', SOME_HOST_VAR: 'x' });
    const sid = await openSession(p.url);
    expect(textOf((await call(p.url, sid, 2, 'env', { name: 'SOME_HOST_VAR' })).result)).toBe('(unset)');
  });

  it('a boolean or choice variable with another value is refused, naming the variable', async () => {
    for (const [name, value] of [['MCP_PROXY_SHELL', 'maybe'], ['MCP_PROXY_PASS_ENV', 'nope'], ['MCP_PROXY_DEMO', '2'], ['MCP_PROXY_LOG_LEVEL', 'loud'], ['MCP_PROXY_PORT', 'eighty']] as const) {
      const run = await runBinary(['--port', '0', ...fixture].filter((a) => name !== 'MCP_PROXY_PORT' || (a !== '--port' && a !== '0')), { env: cleanEnv({ [name]: value }) });
      expect(run.code, `${name}=${value}`).toBe(2);
      expect(run.stderr).toContain(name);
      expect(run.stderr).toContain('Run mcp-proxy --help');
    }
  });
});

describe('mcp-proxy refuses to start a server command that cannot run', () => {
  it.each([
    { what: 'a command that does not exist', args: ['--', 'no-such-cmd-for-mcp-proxy'], expect: [/"no-such-cmd-for-mcp-proxy" was not found \(ENOENT\)/] },
    { what: 'a command that exits at once', args: ['--', 'sh', '-c', 'echo config missing >&2; exit 3'], expect: [/exited right after it started, with code 3/, /config missing/] },
    { what: 'a whole command line in one quoted argument', args: ['npx -y @modelcontextprotocol/server-memory'], expect: [/was not found \(ENOENT\)/, /split it \(mcp-proxy -- npx -y @modelcontextprotocol\/server-memory\) or add --shell/] },
    { what: 'a fixture that dies on start', args: ['--', process.execPath, FIXTURE, '--exit-on-start', '4'], expect: [/with code 4/, /fatal: configured to exit on start/] },
  ])('$what: exit 1, one error line naming it, never listening', async (c) => {
    // A 30 s window: the check ends as soon as the command exits, so on a loaded machine a slow exit is still caught.
    const run = await runBinary(['--port', '0', '--start-check', '30', ...c.args], { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json' }), timeoutMs: 60_000 });
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain('"msg":"listening"');
    const errors = run.stderr.trim().split('\n').filter((l) => l.includes('"level":"error"'));
    expect(errors).toHaveLength(1);
    const message = (JSON.parse(errors[0]!) as { msg: string }).msg;
    for (const re of c.expect) expect(message).toMatch(re);
  });

  it('a port in use: exit 1 and the advice to choose another with --port', async () => {
    const p = await start(['--port', '0', ...fixture]);
    const port = new URL(p.url).port;
    const run = await runBinary(['--port', port, ...fixture], { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json' }) });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the port is in use; choose another with --port \(or --port 0/);
  });
});
