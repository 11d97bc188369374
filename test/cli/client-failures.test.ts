/**
 * What mcp-client says when the server refuses it, through the real binaries on both sides: the server's
 * own reason, in one line that says what to do, never an SDK step name or a wrong error code.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, CLIENT_BIN } from '../helpers/client-bridge.js';
import { runClientOnce } from '../helpers/client-run.js';
import { cleanEnv, startProxyBinary, type ProxyBinary } from '../helpers/proxy-binary.js';
import { FIXTURE } from '../helpers/proxy-harness.js';
import { INIT, post } from '../helpers/raw-http.js';

let tokenProxy: ProxyBinary;
let busyProxy: ProxyBinary;
let configDir: string;

beforeAll(async () => {
  const around = (extra: string[]): Promise<ProxyBinary> => startProxyBinary(['--port', '0', '--kill-grace', '1', ...extra, '--', process.execPath, FIXTURE], { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json' }) });
  [tokenProxy, busyProxy] = await Promise.all([around(['--auth-token', 'tok-1']), around(['--max-sessions', '1'])]);
  // Take the busy proxy's one session and keep it.
  const held = await post(busyProxy.url, INIT);
  expect(held.status).toBe(200);
  await held.text();
  configDir = mkdtempSync(join(tmpdir(), 'mcp-client-failures-'));
}, 30_000);
afterAll(async () => {
  await Promise.all([tokenProxy?.stop(), busyProxy?.stop()]);
  rmSync(configDir, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({ MCP_CLIENT_LOG_LEVEL: 'info', MCP_CLIENT_CONFIG_DIR: configDir, MCP_CLIENT_NO_BROWSER: '1' });

/** The bridge as Claude Desktop runs it: one initialize on stdin; the answer on stdout, then stdin closes. */
function bridgeOnce(args: string[]): Promise<{ answer: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT_BIN, ...args], { env: baseEnv(env()), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bridge did not answer; stderr:\n${err}`));
    }, 30_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) child.stdin.end();
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ answer: out.split('\n')[0] ?? '', stderr: err, code });
    });
    child.stdin.write(`${JSON.stringify(INIT)}\n`);
  });
}

/** The error line the binary logged (JSON: stderr is a pipe). */
function errorLine(stderr: string): { msg: string; code?: string } {
  const line = stderr.split('\n').find((l) => l.includes('"level":"error"'));
  expect(line, stderr).toBeDefined();
  return JSON.parse(line!) as { msg: string; code?: string };
}

function expectNoInternalWords(text: string): void {
  expect(text).not.toMatch(/Version negotiation|probe failed|SSE error|Non-200 status|Error POSTing|CONNECT_FAILED|PROTOCOL_ERROR/);
}

describe('mcp-client explains refusals', () => {
  it('a server that wants a static bearer token: says so and names --bearer / --header (shell and bridge)', async () => {
    const shell = await runClientOnce(['--list-tools', tokenProxy.url], { env: env() });
    expect(shell.code).toBe(1);
    const line = errorLine(shell.stderr);
    expect(line.code).toBe('BEARER_REQUIRED');
    expect(line.msg).toContain('wants a bearer token');
    expect(line.msg).toContain('--bearer');
    expect(line.msg).toContain('--header "Authorization: Bearer');
    expect(shell.stderr).not.toMatch(/authorization server metadata|→ 404|HTTP 404/);
    expectNoInternalWords(shell.stderr);

    const bridge = await bridgeOnce([tokenProxy.url]);
    expect(bridge.answer).toContain('wants a bearer token');
    expect(bridge.answer).toContain('--bearer');
    expect(errorLine(bridge.stderr).code).toBe('BEARER_REQUIRED');
    expectNoInternalWords(bridge.stderr + bridge.answer);

    // With the token it works, so the message pointed at the right fix.
    const ok = await runClientOnce(['--list-tools', '--json', '--bearer', 'tok-1', tokenProxy.url], { env: env() });
    expect(ok.code, ok.stderr).toBe(0);
  }, 60_000);

  it('a 503 keeps the server\'s own message', async () => {
    const shell = await runClientOnce(['--list-tools', busyProxy.url], { env: env() });
    expect(shell.code).toBe(1);
    expect(errorLine(shell.stderr).msg).toMatch(/HTTP 503: Too many sessions.*retry later/);
    expectNoInternalWords(shell.stderr);

    const bridge = await bridgeOnce(['--reconnect-timeout', '1', busyProxy.url]);
    expect(bridge.answer).toMatch(/HTTP 503: Too many sessions.*retry later/);
    expect(bridge.answer).not.toContain('{\\"jsonrpc');
    expectNoInternalWords(bridge.answer);
  }, 60_000);

  it('a wrong path: "no MCP endpoint at <url>" (shell and bridge)', async () => {
    const wrong = tokenProxy.url.replace(/\/mcp$/, '/wrong');
    const shell = await runClientOnce(['--list-tools', '--bearer', 'tok-1', wrong], { env: env() });
    expect(shell.code).toBe(1);
    const line = errorLine(shell.stderr);
    expect(line.code).toBe('NO_ENDPOINT');
    expect(line.msg).toContain(`no MCP endpoint at ${wrong}`);
    expectNoInternalWords(shell.stderr);

    const bridge = await bridgeOnce(['--bearer', 'tok-1', wrong]);
    expect(bridge.answer).toContain(`no MCP endpoint at ${wrong}`);
    expectNoInternalWords(bridge.stderr + bridge.answer);
  }, 60_000);

  it('a wrong token: the refusal, the server\'s reason and what to check', async () => {
    const shell = await runClientOnce(['--list-tools', '--bearer', 'nope', tokenProxy.url], { env: env() });
    expect(shell.code).toBe(1);
    const line = errorLine(shell.stderr);
    expect(line.msg).toMatch(/refused the request \(HTTP 401.*check --header\/--bearer/);
    expectNoInternalWords(shell.stderr);
  }, 30_000);
});

describe('an OAuth failure is reported as one', () => {
  it('an unreachable authorization server: an OAuth code and message, not CONNECT_FAILED/PROTOCOL_ERROR (shell and bridge)', async () => {
    const { startProtectedMcp } = await import('../helpers/oauth-protected-mcp.js');
    const { freePort } = await import('../helpers/client-bridge.js');
    const mcp = await startProtectedMcp(`http://127.0.0.1:${await freePort()}`);
    try {
      const shell = await runClientOnce(['--list-tools', mcp.url], { env: env() });
      expect(shell.code).toBe(1);
      const line = errorLine(shell.stderr);
      expect(line.code).toMatch(/^(AUTH_SERVER_UNAVAILABLE|DISCOVERY_FAILED)$/);
      expectNoInternalWords(line.msg);
      const bridge = await bridgeOnce([mcp.url]);
      expect(errorLine(bridge.stderr).code).toMatch(/^(AUTH_SERVER_UNAVAILABLE|DISCOVERY_FAILED)$/);
      expectNoInternalWords(bridge.answer);
    } finally {
      await mcp.close();
    }
  }, 60_000);
});
