import { mkdtemp, readFile, rm, stat, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJsonTokenStore, serverStorePaths } from '../../../src/oauth/store/json-token-store.js';
import { createEnvFileStore, rewriteEnvText } from '../../../src/oauth/store/env-file-store.js';
import { isLockStale, withFileLock } from '../../../src/oauth/store/file-lock.js';
import { browserCommand, createSystemBrowserOpener, type SpawnLike } from '../../../src/oauth/flow/browser.js';
import { isOAuthFlowError } from '../../../src/shared/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-oauth-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const server = new URL('https://mcp.example.com/mcp');

describe('JSON token store', () => {
  it('writes atomically with 0600 files in a 0700 directory and reads back', async () => {
    const store = createJsonTokenStore(join(dir, 'cfg'), server);
    expect(await store.load()).toEqual({ version: 1 });
    await store.save({ version: 1, tokens: { access_token: 'a', refresh_token: 'r', expires_at: 5 } });
    expect((await stat(store.location)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'cfg'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'cfg', 'servers'))).mode & 0o777).toBe(0o700);
    expect((await store.load()).tokens?.refresh_token).toBe('r');
    const leftovers = (await readdir(join(dir, 'cfg', 'servers'))).filter((f) => f.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  });

  it('names the file when it is corrupt and never rewrites it', async () => {
    const { file } = serverStorePaths(dir, server);
    await mkdir(join(dir, 'servers'), { recursive: true });
    await writeFile(file, '{"version":1, "tokens": {', { mode: 0o600 });
    const store = createJsonTokenStore(dir, server);
    const error = await store.load().catch((e: unknown) => e);
    expect(isOAuthFlowError(error, 'STORE_CORRUPT')).toBe(true);
    expect((error as Error).message).toContain(file);
    await writeFile(file, '{"version":1,"tokens":{"refresh_token":"x"}}');
    const invalid = await store.load().catch((e: unknown) => e);
    expect(isOAuthFlowError(invalid, 'STORE_CORRUPT')).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('{"version":1,"tokens":{"refresh_token":"x"}}');
  });

  it('keeps servers apart', () => {
    const a = serverStorePaths(dir, new URL('https://a.example/mcp')).file;
    const b = serverStorePaths(dir, new URL('https://a.example/mcp2')).file;
    expect(a).not.toBe(b);
  });
});

describe('env-file credentials mode', () => {
  it('rewrites only MCP_CLIENT_* lines and keeps the rest', async () => {
    const file = join(dir, '.env');
    await writeFile(file, '# my settings\nFOO=bar\nexport MCP_CLIENT_ACCESS_TOKEN=old\nMCP_CLIENT_ID=abc\n\nOTHER="q w"\n');
    const store = createEnvFileStore(file, parseDotenv);
    const state = await store.load();
    expect(state.client?.client_id).toBe('abc');
    expect(state.tokens?.access_token).toBe('old');
    await store.save({ ...state, tokens: { access_token: 'new', refresh_token: 'r t' } });
    const text = await readFile(file, 'utf8');
    expect(text).toBe('# my settings\nFOO=bar\nMCP_CLIENT_ACCESS_TOKEN=new\nMCP_CLIENT_ID=abc\n\nOTHER="q w"\nMCP_CLIENT_REFRESH_TOKEN="r t"\n');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(parseDotenv(text).MCP_CLIENT_REFRESH_TOKEN).toBe('r t');
  });
  it('removes managed keys that are gone (logout)', () => {
    expect(rewriteEnvText('A=1\nMCP_CLIENT_ACCESS_TOKEN=x\nMCP_CLIENT_ID=c\n', { MCP_CLIENT_ID: 'c', MCP_CLIENT_ACCESS_TOKEN: undefined })).toBe('A=1\nMCP_CLIENT_ID=c\n');
  });
});

describe('cross-process lock', () => {
  it('serialises holders and releases', async () => {
    const path = join(dir, 'x.lock');
    const order: string[] = [];
    const hold = (name: string) =>
      withFileLock({ path, waitMs: 5_000, staleMs: 60_000 }, async () => {
        order.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 30));
        order.push(`${name}-`);
      });
    await Promise.all([hold('a'), hold('b')]);
    expect(order.join(' ')).toMatch(/^(a\+ a- b\+ b-|b\+ b- a\+ a-)$/);
    await expect(stat(path)).rejects.toThrow();
  });
  it('breaks a lock whose holder is dead, and times out on a live one', async () => {
    const path = join(dir, 'y.lock');
    const { hostname } = await import('node:os');
    await writeFile(path, JSON.stringify({ pid: 999_999_999, host: hostname(), created: Date.now(), nonce: 'n' }));
    expect(await withFileLock({ path, waitMs: 2_000, staleMs: 60_000, isAlive: () => false }, async () => 'got it')).toBe('got it');
    await writeFile(path, JSON.stringify({ pid: process.pid, host: hostname(), created: Date.now(), nonce: 'live' }));
    const error = await withFileLock({ path, waitMs: 200, staleMs: 60_000 }, async () => 'no').catch((e: unknown) => e);
    expect(isOAuthFlowError(error, 'LOCK_TIMEOUT')).toBe(true);
    expect(JSON.parse(await readFile(path, 'utf8')).nonce).toBe('live');
  });
  it('staleness is a pure decision', () => {
    const rec = { pid: 1, host: 'h', created: 0, nonce: 'n' };
    expect(isLockStale(rec, 10, 1000, 'h', () => true)).toBe(false);
    expect(isLockStale(rec, 10, 1000, 'h', () => false)).toBe(true);
    expect(isLockStale(rec, 10, 1000, 'other-host', () => false)).toBe(false);
    expect(isLockStale(rec, 2000, 1000, 'other-host', () => true)).toBe(true);
    expect(isLockStale(undefined, 100, 1000, 'h', () => true)).toBe(false);
  });
});

describe('system browser opener', () => {
  it('spawns without a shell, with the URL as one argument', async () => {
    const calls: { command: string; args: readonly string[]; shell: unknown }[] = [];
    const spawn: SpawnLike = (command, args, options) => {
      calls.push({ command, args, shell: options.shell });
      return { once: (event: string, fn: (error?: Error) => void) => (event === 'spawn' ? setImmediate(() => fn()) : undefined), unref: () => undefined };
    };
    await createSystemBrowserOpener({ spawn, platform: 'linux' })('https://auth.example.com/authorize?a=1&b=2');
    expect(calls).toEqual([{ command: 'xdg-open', args: ['https://auth.example.com/authorize?a=1&b=2'], shell: false }]);
    expect(browserCommand('win32', 'https://x/').command).toBe('rundll32');
  });
  it('refuses file:, custom schemes and shell metacharacters without spawning', async () => {
    let spawned = 0;
    const spawn: SpawnLike = () => {
      spawned++;
      throw new Error('must not spawn');
    };
    const open = createSystemBrowserOpener({ spawn, platform: 'win32' });
    for (const url of ['file:///etc/passwd', 'calc:', 'https://a.example/$(touch /tmp/pwned)', 'https://a.example/"&calc.exe&"']) {
      const error = await open(url).catch((e: unknown) => e);
      expect(isOAuthFlowError(error, 'UNSAFE_BROWSER_URL'), url).toBe(true);
    }
    expect(spawned).toBe(0);
  });
});
