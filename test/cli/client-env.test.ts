import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FetchLike } from '../../src/shared/fetch-like.js';
import { loadEnvironment } from '../../src/cli/client-env.js';
import { buildClientFetch, proxySettingsFrom } from '../../src/cli/client-fetch.js';
import { EXIT_FAILURE, EXIT_USAGE, exitCodeFor } from '../../src/cli/exit-codes.js';
import { ClientError } from '../../src/shared/errors.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mcp-client-env-'));
  dirs.push(d);
  return d;
}

describe('loadEnvironment', () => {
  it('reads .env from the working directory; the real environment wins', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.env'), 'MCP_SERVER_URL=https://file/mcp\nMCP_CLIENT_TIMEOUT=7\n# comment\nMULTI="a\nb"\n');
    const { env, loaded } = loadEnvironment({ MCP_CLIENT_TIMEOUT: '3' }, dir, undefined);
    expect(loaded).toBe(join(dir, '.env'));
    expect(env).toMatchObject({ MCP_SERVER_URL: 'https://file/mcp', MCP_CLIENT_TIMEOUT: '3', MULTI: 'a\nb' });
  });
  it('a missing default .env is fine; a missing --env-file is an error naming the file', () => {
    const dir = tempDir();
    expect(loadEnvironment({ A: '1' }, dir, undefined)).toEqual({ env: { A: '1' } });
    let message = '';
    try {
      loadEnvironment({}, dir, 'nope.env');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(join(dir, 'nope.env'));
  });
});

describe('client fetch assembly', () => {
  it('reads proxy settings, lower case first', () => {
    expect(proxySettingsFrom({ HTTP_PROXY: 'http://P', https_proxy: 'http://s', HTTPS_PROXY: 'http://S', NO_PROXY: 'x' })).toEqual({
      httpProxy: 'http://P',
      httpsProxy: 'http://s',
      noProxy: 'x',
    });
    expect(proxySettingsFrom({})).toEqual({ httpProxy: '', httpsProxy: '', noProxy: '' });
  });
  it('the OAuth wrapper gets the base fetch: its own requests carry no static headers, MCP requests do', async () => {
    const seen: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      seen.push(req.headers['x-api-key'] as string | undefined);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    let base: FetchLike | undefined;
    const built = buildClientFetch(
      { timeoutMs: 5000, headers: ['X-Api-Key: ${KEY}'], bearer: undefined },
      {
        env: { KEY: 'k1' },
        wrapFetch: (inner) => {
          base = inner;
          return (u, init) => {
            const headers = new Headers(init?.headers);
            headers.set('authorization', 'Bearer oauth');
            return inner(u, { ...init, headers });
          };
        },
      },
    );
    try {
      await (await built.fetch(url)).text();
      await (await (base as FetchLike)(url)).text();
      expect(seen).toEqual(['k1', undefined]);
    } finally {
      await built.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
  it('fails early on a header that refers to an unset variable', () => {
    expect(() => buildClientFetch({ timeoutMs: 1000, headers: ['X-Key: ${NOT_SET}'], bearer: undefined }, { env: {} })).toThrow(/NOT_SET/);
  });
});

describe('exit codes', () => {
  it('usage problems exit 2, everything else 1', () => {
    for (const code of ['BAD_ARGUMENTS', 'UNKNOWN_TOOL', 'CONFIG_INVALID', 'INSECURE_URL'] as const) expect(exitCodeFor(new ClientError(code, 'x'))).toBe(EXIT_USAGE);
    for (const code of ['REMOTE_GONE', 'TOOL_ERROR', 'CONNECT_FAILED'] as const) expect(exitCodeFor(new ClientError(code, 'x'))).toBe(EXIT_FAILURE);
    expect(exitCodeFor(new Error('x'))).toBe(EXIT_FAILURE);
  });
});
