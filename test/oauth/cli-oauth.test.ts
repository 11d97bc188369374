import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerOAuthOptions, resolveOAuthCliOptions, type OAuthRawFlags } from '../../src/cli/client-oauth.js';
import { createOAuthFetch, runOAuthCommand, type OAuthDeps } from '../../src/cli/client-oauth-run.js';
import { isClientError } from '../../src/shared/errors.js';
import { createHeadlessBrowser } from '../helpers/oauth-browser.js';
import { callTool, startOAuthFixture, type OAuthFixture } from '../helpers/oauth-fixture.js';

function parse(args: string[]): OAuthRawFlags {
  const program = registerOAuthOptions(new Command('t').exitOverride());
  program.parse(args, { from: 'user' });
  return program.opts<OAuthRawFlags>();
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('OAuth options', () => {
  it('defaults the config dir to XDG or ~/.config and reads MCP_CLIENT_* variables', () => {
    expect(resolveOAuthCliOptions({}, { HOME: '/home/u' }).configDir).toBe('/home/u/.config/mcp-client');
    expect(resolveOAuthCliOptions({}, { HOME: '/home/u', XDG_CONFIG_HOME: '/x' }).configDir).toBe('/x/mcp-client');
    const o = resolveOAuthCliOptions({}, { HOME: '/h', MCP_CLIENT_ID: 'cid', MCP_CLIENT_CALLBACK_PORT: '8765', MCP_CLIENT_AUTH_TIMEOUT: '60', MCP_CLIENT_NO_BROWSER: 'true', MCP_CLIENT_TOKEN: '1' });
    expect(o).toMatchObject({ clientId: 'cid', callbackPort: 8765, authTimeoutMs: 60_000, openBrowser: false, action: 'token' });
  });
  it('flags beat env; credentials mode ignores MCP_CLIENT_ID as a static client', () => {
    const flags = parse(['--client-id', 'flag-id', '--no-browser', '--update-client', 'client_name=x', '--config-dir', '/c']);
    expect(resolveOAuthCliOptions(flags, { MCP_CLIENT_ID: 'env-id' })).toMatchObject({ clientId: 'flag-id', openBrowser: false, action: 'update-client', updatePatch: { client_name: 'x' }, configDir: '/c' });
    expect(resolveOAuthCliOptions({}, { MCP_CLIENT_ID: 'stored-id' }, '/tmp/creds.env').clientId).toBeUndefined();
  });
  it('refuses conflicting or malformed options as usage errors', () => {
    expect(isClientError(thrown(() => resolveOAuthCliOptions(parse(['--login', '--logout']), {})), 'CONFIG_INVALID')).toBe(true);
    expect(isClientError(thrown(() => resolveOAuthCliOptions(parse(['--all']), {})), 'CONFIG_INVALID')).toBe(true);
    expect(isClientError(thrown(() => resolveOAuthCliOptions(parse(['--callback-port', '70000']), {})), 'CONFIG_INVALID')).toBe(true);
    expect(isClientError(thrown(() => resolveOAuthCliOptions(parse(['--update-client', 'client_id=x']), {})), 'CONFIG_INVALID')).toBe(true);
  });
});

describe('OAuth commands against a real authorization server', () => {
  let fx: OAuthFixture;
  beforeAll(async () => {
    fx = await startOAuthFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  const run = async (args: string[], configDir: string, extra: Partial<OAuthDeps> = {}) => {
    const stdout = new PassThrough();
    const stderr = Object.assign(new PassThrough(), { isTTY: false });
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const browser = createHeadlessBrowser();
    const opts = resolveOAuthCliOptions(parse([...args, '--config-dir', configDir]), {});
    const code = await runOAuthCommand(opts, { serverUrl: fx.mcp.url, logger: fx.logger, stdout, stderr, openBrowser: (u) => browser.open(u), ...extra });
    return { code, out, err, browser };
  };

  it('--login, --token (secrets only on request), client info/update/delete, --logout --all', async () => {
    const dir = await fx.freshConfigDir();
    expect((await run([], dir)).code).toBeUndefined();
    const login = await run(['--login', '--scope', 'mcp:read'], dir);
    expect(login.code).toBe(0);
    expect(login.browser.opened).toHaveLength(1);
    expect(login.out).toContain('logged in:     yes');
    expect(login.out).toContain('scope:         mcp:read');

    const token = await run(['--token'], dir);
    expect(token.out).not.toMatch(/access token:/);
    const secret = await run(['--token', '--show-secrets'], dir);
    expect(secret.out).toMatch(/access token: {2}ey/);

    const info = await run(['--get-client-info'], dir);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.out)).toMatchObject({ client_name: 'mcp-client' });
    const update = await run(['--update-client', 'client_name=from the cli'], dir);
    expect(JSON.parse(update.out).client_name).toBe('from the cli');
    expect(JSON.parse(update.out).registration_access_token ?? '[redacted]').toBe('[redacted]');
    expect((await run(['--delete-client'], dir)).code).toBe(0);
    const after = await run(['--get-client-info'], dir);
    expect(after.code).toBe(1);
    expect(fx.logLines.some((l) => l.includes('"code":"MANAGEMENT_UNSUPPORTED"'))).toBe(true);
    expect((await run(['--logout', '--all'], dir)).code).toBe(0);
  });

  it('--no-browser logs the URL to stderr instead of opening anything', async () => {
    const dir = await fx.freshConfigDir();
    const result = await run(['--login', '--no-browser', '--auth-timeout', '1'], dir);
    expect(result.code).toBe(1);
    expect(result.browser.opened).toHaveLength(0);
    const urlLine = fx.logLines.find((l) => l.includes('sign-in needed'));
    expect(urlLine).toContain(`${fx.as.issuer}/auth?`);
  });

  it('createOAuthFetch is off when the user configured their own Authorization', async () => {
    const opts = resolveOAuthCliOptions({}, {});
    const deps = { serverUrl: fx.mcp.url, logger: fx.logger, stdout: new PassThrough(), stderr: new PassThrough() };
    expect(createOAuthFetch(opts, { ...deps, staticAuthorization: true })).toBeUndefined();
    const browser = createHeadlessBrowser();
    const authed = createOAuthFetch({ ...opts, configDir: await fx.freshConfigDir() }, { ...deps, openBrowser: (u) => browser.open(u) });
    expect(await callTool(authed as NonNullable<typeof authed>, fx.mcp.url)).toBe('ok');
  });
});
