/**
 * A bridge waiting for a browser sign-in (the browser step is never completed) must stop when the local
 * client goes away: stdin EOF or SIGTERM cancels the login, closes the callback server, releases the
 * credentials lock and exits promptly — so the next bridge for the same server does not hang on the lock.
 * Everything real: the mcp-client binary, oidc-provider, a protected MCP endpoint.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTcpServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runClientOnce } from '../helpers/client-run.js';
import { serverStorePaths } from '../../src/oauth/store/json-token-store.js';
import { baseEnv, CLIENT_BIN, freePort, isAlive } from '../helpers/client-bridge.js';
import { startAuthorizationServer, type TestAuthorizationServer } from '../helpers/oauth-authorization-server.js';
import { startProtectedMcp, type ProtectedMcp } from '../helpers/oauth-protected-mcp.js';
import { waitFor } from '../helpers/proxy-harness.js';
import { INIT } from '../helpers/raw-http.js';

let as: TestAuthorizationServer;
let mcp: ProtectedMcp;
const dirs: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  as = await startAuthorizationServer();
  mcp = await startProtectedMcp(as.issuer);
}, 30_000);
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  await mcp?.close();
  await as?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Bridge {
  child: ChildProcessWithoutNullStreams;
  stderr(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** A bridge with a long --auth-timeout (without the fix it would wait that long), waiting for sign-in. */
async function startWaitingBridge(configDir: string, extra: string[] = []): Promise<Bridge> {
  const child = spawn(process.execPath, [CLIENT_BIN, ...extra, '--no-browser', '--auth-timeout', '240', mcp.url], {
    env: baseEnv({ MCP_CLIENT_CONFIG_DIR: configDir, MCP_CLIENT_LOG_LEVEL: 'info' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdout.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  child.stdin.write(`${JSON.stringify(INIT)}\n`);
  const waiting = await waitFor(() => err.includes('sign-in needed'), 20_000);
  expect(waiting, err).toBe(true);
  return { child, stderr: () => err, exit };
}

function lockPath(configDir: string): string {
  return serverStorePaths(configDir, new URL(mcp.url)).lock;
}

async function exitsWithin(bridge: Bridge, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
  const started = Date.now();
  const result = await Promise.race([bridge.exit, new Promise<undefined>((r) => setTimeout(r, ms))]);
  if (result) expect(result.at - started).toBeLessThan(ms);
  return result;
}

describe('cancelling a sign-in in progress', () => {
  it('stdin EOF: exits promptly, frees the callback port and the lock; the next bridge takes the lock at once', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'mcp-client-cancel-'));
    dirs.push(configDir);
    const first = await startWaitingBridge(configDir);
    expect(existsSync(lockPath(configDir))).toBe(true);
    const callback = /127\.0\.0\.1%3A(\d+)%2Fcallback/.exec(first.stderr())?.[1];
    expect(callback, first.stderr()).toBeDefined();

    first.child.stdin.end();
    const exit = await exitsWithin(first, 10_000);
    expect(exit, `still running after stdin EOF:\n${first.stderr()}`).toBeDefined();
    expect(exit!.code).toBe(0);
    expect(isAlive(first.child.pid)).toBe(false);
    expect(existsSync(lockPath(configDir))).toBe(false);
    await expect(fetch(`http://127.0.0.1:${callback}/callback`)).rejects.toThrow();

    // The next bridge for the same server takes the lock itself (no "waiting for another mcp-client").
    const second = await startWaitingBridge(configDir);
    expect(second.stderr()).not.toContain('waiting-for-lock');
    second.child.kill('SIGTERM');
    const secondExit = await exitsWithin(second, 10_000);
    expect(secondExit, `still running after SIGTERM:\n${second.stderr()}`).toBeDefined();
    expect(existsSync(lockPath(configDir))).toBe(false);
  }, 90_000);

  it('SIGTERM: exits promptly with the lock released, and says why', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'mcp-client-cancel-'));
    dirs.push(configDir);
    const bridge = await startWaitingBridge(configDir);
    bridge.child.kill('SIGTERM');
    const exit = await exitsWithin(bridge, 10_000);
    expect(exit, `still running after SIGTERM:\n${bridge.stderr()}`).toBeDefined();
    expect(exit!.signal).toBeNull(); // a clean exit, not killed by the signal
    expect(exit!.code).toBe(0);
    expect(existsSync(lockPath(configDir))).toBe(false);
    expect(bridge.stderr()).toContain('stopped (shutdown signal)');
  }, 60_000);

  it('--login: SIGTERM cancels the sign-in and releases the lock (not left behind for the next run to break)', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'mcp-client-cancel-'));
    dirs.push(configDir);
    const login = await startWaitingBridge(configDir, ['--login']);
    expect(existsSync(lockPath(configDir))).toBe(true);
    login.child.kill('SIGTERM');
    const exit = await exitsWithin(login, 10_000);
    expect(exit, login.stderr()).toBeDefined();
    expect(exit!.signal).toBeNull();
    expect(exit!.code).toBe(1); // the login did not happen
    expect(login.stderr()).toContain('ABORTED');
    expect(existsSync(lockPath(configDir))).toBe(false);
  }, 60_000);
});

describe('a sign-in that cannot start', () => {
  it('a taken --callback-port: one OAuth error naming the port and the flag, never CONNECT_FAILED', async () => {
    const blocker = createTcpServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const configDir = mkdtempSync(join(tmpdir(), 'mcp-client-cancel-'));
    dirs.push(configDir);
    try {
      for (const command of [['--list-tools'], ['--login']]) {
        const r = await runClientOnce([...command, '--no-browser', '--callback-port', String(port), mcp.url], { env: { MCP_CLIENT_CONFIG_DIR: configDir, MCP_CLIENT_LOG_LEVEL: 'info' } });
        expect(r.code).toBe(1);
        const line = JSON.parse(r.stderr.split('\n').find((l) => l.includes('"level":"error"') && l.includes('mcp-client:'))!) as { msg: string; code: string };
        expect(line.code).toBe('CALLBACK_LISTEN_FAILED');
        expect(line.msg).toContain(`127.0.0.1:${port} (EADDRINUSE)`);
        expect(line.msg).toContain('--callback-port');
        expect(existsSync(lockPath(configDir))).toBe(false);
      }
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  }, 60_000);
});

describe('stdin EOF while the remote is unreachable', () => {
  it('the probe stops retrying when the local client goes away: exit 0 at once, not after --reconnect-timeout', async () => {
    const child = spawn(process.execPath, [CLIENT_BIN, '--reconnect-timeout', '240', `http://127.0.0.1:${await freePort()}/mcp`], {
      env: baseEnv({ MCP_CLIENT_LOG_LEVEL: 'info' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.resume();
    const bridge: Bridge = { child, stderr: () => err, exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() }))) };
    child.stdin.write(`${JSON.stringify(INIT)}\n`);
    expect(await waitFor(() => err.includes('retrying for up to 240s'), 20_000), err).toBe(true);
    child.stdin.end();
    const exit = await exitsWithin(bridge, 10_000);
    expect(exit, `still running after stdin EOF:\n${err}`).toBeDefined();
    expect(exit!.code).toBe(0);
  }, 60_000);
});
