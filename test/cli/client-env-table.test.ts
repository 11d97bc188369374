/**
 * Every mcp-client option has its MCP_CLIENT_* variable, and the variable — set in the environment of the
 * real binary — has the option's effect. The options are enumerated from the commander definition, so a new
 * option without a variable (or without a row here) fails this test. Also: boolean spellings, a bad boolean
 * naming its variable, `.env` in the working directory, and the precedence flag > environment > .env > default.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, OPTION_ENV } from '../../src/cli/client-options.js';
import { startSseOnlyServer, type SseOnlyServer } from '../fixtures/sse-only-server.js';
import { baseEnv, CLIENT_BIN, freePort } from '../helpers/client-bridge.js';
import { startTestServer, type TestServer } from '../helpers/client-test-server.js';
import { INIT } from '../helpers/raw-http.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mcp-client-env-table-'));
  dirs.push(d);
  return d;
}

/**
 * Runs the binary with `env` on top of a clean environment (log level info, a private config dir). With
 * `until`, the run is stopped with SIGTERM once stderr matches (a sign-in waiting for its browser).
 */
function run(args: string[], env: Record<string, string> = {}, options: { cwd?: string; until?: RegExp; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT_BIN, ...args], {
      env: baseEnv({ MCP_CLIENT_LOG_LEVEL: 'info', MCP_CLIENT_CONFIG_DIR: configDir, ...env }),
      cwd: options.cwd ?? emptyCwd,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mcp-client ${args.join(' ')} did not finish; stderr:\n${stderr}`));
    }, 30_000);
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (options.until?.test(stderr) && child.exitCode === null) child.kill('SIGTERM');
    });
    if (options.stdin !== undefined) child.stdin?.write(options.stdin);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The authorization URL a waiting sign-in printed. */
function signInUrl(r: Run): URL {
  const line = r.stderr.split('\n').find((l) => l.includes('sign-in needed'));
  expect(line, r.stderr).toBeDefined();
  return new URL((JSON.parse(line!) as { url: string }).url);
}
const WAITING = /sign-in needed/;

/**
 * A minimal OAuth-protected endpoint: RFC 9728 + RFC 8414 metadata (Client ID Metadata Documents supported)
 * and a registration endpoint that records what it was sent. Nobody completes the browser step here.
 */
interface SignInStub {
  url: string;
  registrations: Array<Record<string, unknown>>;
  close(): Promise<void>;
}
async function startSignInStub(): Promise<SignInStub> {
  const registrations: Array<Record<string, unknown>> = [];
  const server: Server = createServer((req, res) => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', origin).pathname;
    if (path === '/.well-known/oauth-protected-resource/mcp') return json(200, { resource: `${origin}/mcp`, authorization_servers: [origin] });
    if (path === '/.well-known/oauth-authorization-server') {
      return json(200, {
        issuer: origin,
        authorization_endpoint: `${origin}/authorize`,
        token_endpoint: `${origin}/token`,
        registration_endpoint: `${origin}/register`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        client_id_metadata_document_supported: true,
      });
    }
    if (path === '/register' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const sent = JSON.parse(body) as Record<string, unknown>;
        registrations.push(sent);
        json(201, { ...sent, client_id: `registered-${registrations.length}`, token_endpoint_auth_method: 'none' });
      });
      return;
    }
    if (path === '/mcp') return json(401, { error: 'unauthorized' }, { 'www-authenticate': `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"` });
    json(404, { error: 'not found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    registrations,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

let server: TestServer;
let sse: SseOnlyServer;
let stub: SignInStub;
let configDir: string;
let emptyCwd: string;

beforeAll(async () => {
  [server, sse, stub] = await Promise.all([startTestServer(), startSseOnlyServer(), startSignInStub()]);
  configDir = tempDir();
  emptyCwd = tempDir();
}, 30_000);
afterAll(async () => {
  await Promise.all([server?.close(), sse?.close(), stub?.close()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const requestsSince = (n: number): TestServer['requests'] => server.requests.slice(n);

/** One observable effect per option, with the option set only through its environment variable. */
const EFFECTS: Record<string, (variable: string) => Promise<void>> = {
  async transport(v) {
    const auto = await run(['--list-tools', sse.url]);
    expect(auto.stderr).toContain('falling back to legacy SSE');
    const pinned = await run(['--list-tools', sse.url], { [v]: 'sse' });
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.stderr).not.toContain('falling back');
  },
  async protocol(v) {
    const before = server.requests.length;
    expect((await run(['--list-tools', server.url], { [v]: 'legacy' })).code).toBe(0);
    expect(requestsSince(before).find((r) => r.rpcMethod)?.rpcMethod).toBe('initialize');
  },
  async header(v) {
    const before = server.requests.length;
    expect((await run(['--list-tools', server.url], { [v]: 'X-Env-A: one\nX-Env-B: two' })).code).toBe(0);
    expect(requestsSince(before).some((r) => r.headers['x-env-a'] === 'one' && r.headers['x-env-b'] === 'two')).toBe(true);
  },
  async bearer(v) {
    const before = server.requests.length;
    expect((await run(['--list-tools', server.url], { [v]: 'tok-from-env' })).code).toBe(0);
    expect(requestsSince(before).some((r) => r.headers.authorization === 'Bearer tok-from-env')).toBe(true);
  },
  async allowHttp(v) {
    const url = server.url.replace('127.0.0.1', '0.0.0.0'); // not loopback by name, yet reaches our server
    expect((await run(['--list-tools', url])).code).toBe(2);
    const allowed = await run(['--list-tools', url], { [v]: '1' });
    expect(allowed.code, allowed.stderr).toBe(0);
  },
  async timeout(v) {
    const r = await run(['-c', 'slow ms=6000', server.url], { [v]: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('slow failed: Request timed out');
  },
  async reconnectTimeout(v) {
    const r = await run([`http://127.0.0.1:${await freePort()}/mcp`], { [v]: '0' }, { stdin: `${JSON.stringify(INIT)}\n` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unreachable for 0s');
  },
  async logLevel(v) {
    const debug = await run(['--list-tools', server.url], { [v]: 'debug' });
    expect(debug.stderr).toContain('"level":"debug"');
    const quiet = await run(['--list-tools', server.url], { [v]: 'error' });
    expect(quiet).toMatchObject({ code: 0, stderr: '' });
  },
  async json(v) {
    const r = await run(['-c', 'echo message=hi', server.url], { [v]: 'true' });
    expect(JSON.parse(r.stdout)).toMatchObject({ content: [{ type: 'text', text: 'hi' }] });
  },
  async envFile(v) {
    const file = join(tempDir(), 'settings.env');
    writeFileSync(file, `MCP_SERVER_URL=${server.url}\n`);
    const r = await run(['--list-tools'], { [v]: file });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { tools: unknown[] }).tools).toHaveLength(7);
  },
  async listTools(v) {
    expect(JSON.parse((await run([server.url], { [v]: 'yes' })).stdout)).toHaveProperty('tools');
  },
  async listResources(v) {
    expect(JSON.parse((await run([server.url], { [v]: 'on' })).stdout)).toHaveProperty('resources');
  },
  async listPrompts(v) {
    expect(JSON.parse((await run([server.url], { [v]: '1' })).stdout)).toHaveProperty('prompts');
  },
  async call(v) {
    expect(await run([server.url], { [v]: 'echo message=from-env' })).toMatchObject({ code: 0, stdout: 'from-env\n' });
  },
  async clientId(v) {
    const before = stub.registrations.length;
    const r = await run(['--login', '--no-browser', stub.url], { [v]: 'static-from-env', MCP_CLIENT_CONFIG_DIR: tempDir() }, { until: WAITING });
    expect(signInUrl(r).searchParams.get('client_id')).toBe('static-from-env');
    expect(stub.registrations.length).toBe(before);
  },
  async clientSecret(v) {
    const r = await run(['--token', '--show-secrets', '--json', stub.url], { [v]: 'secret-from-env' });
    expect(JSON.parse(r.stdout)).toMatchObject({ clientSecret: 'secret-from-env' });
  },
  async clientMetadataUrl(v) {
    const doc = 'https://client.example/mcp-client.json';
    const r = await run(['--login', '--no-browser', stub.url], { [v]: doc, MCP_CLIENT_CONFIG_DIR: tempDir() }, { until: WAITING });
    expect(signInUrl(r).searchParams.get('client_id')).toBe(doc);
  },
  async clientName(v) {
    const before = stub.registrations.length;
    await run(['--login', '--no-browser', stub.url], { [v]: 'name-from-env', MCP_CLIENT_CONFIG_DIR: tempDir() }, { until: WAITING });
    expect(stub.registrations.slice(before).map((r) => r.client_name)).toEqual(['name-from-env']);
  },
  async callbackPort(v) {
    const port = await freePort();
    const r = await run(['--login', '--no-browser', stub.url], { [v]: String(port), MCP_CLIENT_CONFIG_DIR: tempDir() }, { until: WAITING });
    expect(signInUrl(r).searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/callback`);
  },
  async authTimeout(v) {
    const r = await run(['--login', '--no-browser', stub.url], { [v]: '1', MCP_CLIENT_CONFIG_DIR: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no browser sign-in within 1 s');
  },
  async browser(v) {
    // A fake xdg-open on PATH records whether a browser was launched.
    const bin = tempDir();
    const marker = join(bin, 'opened');
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" > "${marker}"\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    const path = `${bin}:${process.env.PATH ?? ''}`;
    await run(['--login', stub.url], { PATH: path, MCP_CLIENT_CONFIG_DIR: tempDir() }, { until: WAITING });
    expect(existsSync(marker)).toBe(true); // without the variable a browser is opened ...
    rmSync(marker);
    const r = await run(['--login', stub.url], { [v]: 'TRUE', PATH: path, MCP_CLIENT_CONFIG_DIR: tempDir() }, { until: WAITING });
    expect(existsSync(marker)).toBe(false); // ... with it, only the URL is printed
    expect(r.stderr).toContain('sign-in needed: open this URL');
  },
  async configDir(v) {
    const dir = tempDir();
    const r = await run(['--token', '--json', stub.url], { [v]: dir });
    expect((JSON.parse(r.stdout) as { store: string }).store.startsWith(dir)).toBe(true);
  },
  async scope(v) {
    const r = await run(['--login', '--no-browser', stub.url], { [v]: 'mcp:env extra', MCP_CLIENT_CONFIG_DIR: tempDir() }, { until: WAITING });
    expect(signInUrl(r).searchParams.get('scope')).toBe('mcp:env extra');
  },
  async login(v) {
    const r = await run(['--no-browser', stub.url], { [v]: '1', MCP_CLIENT_CONFIG_DIR: tempDir() }, { until: WAITING });
    expect(signInUrl(r).pathname).toBe('/authorize');
  },
  async logout(v) {
    expect(await run([stub.url], { [v]: '1' })).toMatchObject({ code: 0, stderr: expect.stringContaining('Forgot the tokens.') as unknown });
  },
  async all(v) {
    expect((await run(['--logout', stub.url], { [v]: '1' })).stderr).toContain('Forgot the tokens and the client registration.');
  },
  async token(v) {
    const r = await run(['--json', stub.url], { [v]: '1' });
    expect(JSON.parse(r.stdout)).toMatchObject({ loggedIn: false });
  },
  async showSecrets(v) {
    const r = await run(['--token', '--json', '--client-secret', 'flag-secret', stub.url], { [v]: '1' });
    expect(JSON.parse(r.stdout)).toMatchObject({ clientSecret: 'flag-secret' });
    const hidden = await run(['--token', '--json', '--client-secret', 'flag-secret', stub.url]);
    expect(hidden.stdout).not.toContain('flag-secret');
  },
  async getClientInfo(v) {
    const r = await run([stub.url], { [v]: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no registered client');
  },
  async updateClient(v) {
    const r = await run([stub.url], { [v]: 'client_name=renamed' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no registered client');
  },
  async eraCache(v) {
    const dir = tempDir();
    expect((await run(['--list-tools', server.url], { [v]: 'on', MCP_CLIENT_CONFIG_DIR: dir })).code).toBe(0);
    expect(existsSync(join(dir, 'era-cache.json'))).toBe(true);
    const off = tempDir();
    expect((await run(['--list-tools', server.url], { [v]: 'off', MCP_CLIENT_CONFIG_DIR: off })).code).toBe(0);
    expect(existsSync(join(off, 'era-cache.json'))).toBe(false);
  },
  async authorizeParam(v) {
    const r = await run(['--login', '--no-browser', stub.url], { [v]: 'prompt=consent\naccess_type=offline', MCP_CLIENT_CONFIG_DIR: tempDir() }, { until: WAITING });
    expect(signInUrl(r).searchParams.get('prompt')).toBe('consent');
    expect(signInUrl(r).searchParams.get('access_type')).toBe('offline');
  },
  async resource(v) {
    const withResource = await run(['--login', '--no-browser', stub.url], { MCP_CLIENT_CONFIG_DIR: tempDir() }, { until: WAITING });
    expect(signInUrl(withResource).searchParams.get('resource')).toBe(stub.url);
    const r = await run(['--login', '--no-browser', stub.url], { [v]: 'yes', MCP_CLIENT_CONFIG_DIR: tempDir() }, { until: WAITING });
    expect(signInUrl(r).searchParams.has('resource')).toBe(false);
  },
  async clientCredentials(v) {
    const r = await run(['--list-tools', stub.url], { [v]: '1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--client-id');
  },
  async clientKey(v) {
    const r = await run(['--list-tools', stub.url], { [v]: join(tempDir(), 'key.pem') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--client-key goes with --client-credentials');
  },
  async deviceCode(v) {
    const r = await run(['--login', stub.url], { [v]: 'true', MCP_CLIENT_CONFIG_DIR: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('does not offer the device authorization grant');
  },
  async deleteClient(v) {
    const r = await run([stub.url], { [v]: 'on' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no registered client');
  },
};

/** The options as commander defines them (help and version have no variable). */
const OPTIONS = buildProgram().options.filter((o) => o.long !== '--help' && o.long !== '--version');
const isBoolean = (o: (typeof OPTIONS)[number]): boolean => !o.required && !o.optional;

describe('every mcp-client option has an environment variable', () => {
  it('each option of the commander definition has a MCP_CLIENT_* variable and a row in this table', () => {
    expect(OPTIONS.length).toBeGreaterThan(25);
    for (const option of OPTIONS) {
      const name = option.attributeName();
      expect(OPTION_ENV[name], `${option.long} has no environment variable`).toMatch(/^MCP_CLIENT_[A-Z_]+$/);
      expect(EFFECTS[name], `${option.long} has no effect test`).toBeTypeOf('function');
      expect(option.description, `${option.long}'s help names its variable`).toContain(OPTION_ENV[name]);
    }
    expect(new Set(Object.values(OPTION_ENV)).size).toBe(Object.values(OPTION_ENV).length);
  });

  for (const option of OPTIONS) {
    const name = option.attributeName();
    it(`${option.long} via ${OPTION_ENV[name] ?? '(none)'}`, async () => {
      await EFFECTS[name]!(OPTION_ENV[name]!);
    }, 60_000);
  }
});

describe('boolean variables', () => {
  it('accept 1/0, true/false, yes/no, on/off in any case', async () => {
    for (const value of ['1', 'true', 'TRUE', 'yes', 'Yes', 'on', 'ON']) {
      const r = await run(['--json', stub.url], { MCP_CLIENT_TOKEN: value });
      expect(JSON.parse(r.stdout), value).toMatchObject({ loggedIn: false });
    }
    // false: no --token; the bridge starts, sees stdin closed, and exits without printing anything
    for (const value of ['0', 'false', 'False', 'no', 'NO', 'off', 'Off']) {
      expect(await run(['--json', stub.url], { MCP_CLIENT_TOKEN: value, MCP_CLIENT_LOG_LEVEL: 'error' }), value).toMatchObject({ code: 0, stdout: '' });
    }
  }, 120_000);

  for (const option of OPTIONS.filter(isBoolean)) {
    const variable = OPTION_ENV[option.attributeName()]!;
    it(`${variable}=maybe is refused with a usage error naming ${variable}`, async () => {
      const r = await run([stub.url], { [variable]: 'maybe' });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${variable} must be one of 1/0, true/false, yes/no, on/off, got "maybe"`);
    }, 30_000);
  }
});

describe('.env and precedence: flag > environment > .env > default', () => {
  it('.env in the working directory is read; the environment beats it; a flag beats both', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), `MCP_SERVER_URL=${server.url}\nMCP_CLIENT_HEADERS=X-Src: dotenv\nMCP_CLIENT_JSON=false\n`);
    const seen = async (args: string[], env: Record<string, string> = {}): Promise<unknown> => {
      const before = server.requests.length;
      const r = await run(['--list-tools', ...args], env, { cwd });
      expect(r.code, r.stderr).toBe(0);
      return requestsSince(before).find((q) => q.rpcMethod)?.headers['x-src'];
    };
    expect(await seen([])).toBe('dotenv');
    expect(await seen([], { MCP_CLIENT_HEADERS: 'X-Src: env' })).toBe('env');
    expect(await seen(['-H', 'X-Src: flag'], { MCP_CLIENT_HEADERS: 'X-Src: env' })).toBe('flag');
    // default: no header at all without .env
    const before = server.requests.length;
    expect((await run(['--list-tools', server.url])).code).toBe(0);
    expect(requestsSince(before).every((q) => q.headers['x-src'] === undefined)).toBe(true);
    // a boolean false in .env stays false; the environment's true wins over it; the flag wins over all
    const plain = await run(['-c', 'echo message=hi'], {}, { cwd });
    expect(plain.stdout).toBe('hi\n');
    const fromEnv = await run(['-c', 'echo message=hi'], { MCP_CLIENT_JSON: '1' }, { cwd });
    expect(JSON.parse(fromEnv.stdout)).toHaveProperty('content');
    expect(readFileSync(join(cwd, '.env'), 'utf8')).toContain('X-Src: dotenv'); // untouched
  }, 120_000);
});
