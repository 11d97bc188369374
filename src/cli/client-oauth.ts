/**
 * mcp-client's OAuth command line: the OAuth flags (each with an MCP_CLIENT_* variable), the one-shot OAuth
 * commands (--login, --logout, --token, RFC 7592 client management) and the authenticated fetch for the
 * bridge. The lead wires these three into mcp-client.ts; nothing here exits the process.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { Option, type Command } from 'commander';
import { parse as parseDotenv } from 'dotenv';
import type { FetchLike } from '../shared/fetch-like.js';
import { createOAuthClient, type OAuthClient, type TokenStatus } from '../oauth/oauth-client.js';
import type { OpenBrowser } from '../oauth/flow/browser.js';
import { clientCredentialsProblem } from '../oauth/grants/client-credentials.js';
import { parseClientPatch } from '../oauth/grants/registration.js';
import { withStaticBearerCheck } from '../client/http/static-bearer.js';
import { ClientError, describeError, isOAuthFlowError, OAuthFlowError, typedCause } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { flagOrEnvBoolean, type Env } from './flag-values.js';
import { createProgressReporter, formatStatus, maskSecrets, type ErrStream } from './client-oauth-output.js';
import { REQUEST_ENV, registerRequestOptions, resolveRequestOptions, type RequestOptions, type RequestRawFlags } from './client-oauth-request-flags.js';


export const OAUTH_ENV = {
  clientId: 'MCP_CLIENT_ID',
  clientSecret: 'MCP_CLIENT_SECRET',
  clientMetadataUrl: 'MCP_CLIENT_METADATA_URL',
  clientName: 'MCP_CLIENT_NAME',
  callbackPort: 'MCP_CLIENT_CALLBACK_PORT',
  authTimeout: 'MCP_CLIENT_AUTH_TIMEOUT',
  noBrowser: 'MCP_CLIENT_NO_BROWSER',
  configDir: 'MCP_CLIENT_CONFIG_DIR',
  scope: 'MCP_CLIENT_SCOPE',
  login: 'MCP_CLIENT_LOGIN',
  logout: 'MCP_CLIENT_LOGOUT',
  all: 'MCP_CLIENT_LOGOUT_ALL',
  token: 'MCP_CLIENT_TOKEN',
  showSecrets: 'MCP_CLIENT_SHOW_SECRETS',
  getClientInfo: 'MCP_CLIENT_GET_CLIENT_INFO',
  updateClient: 'MCP_CLIENT_UPDATE_CLIENT',
  deleteClient: 'MCP_CLIENT_DELETE_CLIENT',
  ...REQUEST_ENV,
  // machine-to-machine and headless sign-in
  clientCredentials: 'MCP_CLIENT_CREDENTIALS',
  clientKey: 'MCP_CLIENT_KEY',
  deviceCode: 'MCP_CLIENT_DEVICE_CODE',
} as const;

/** What commander hands back for the OAuth flags. */
export interface OAuthRawFlags extends RequestRawFlags {
  clientId?: string;
  clientSecret?: string;
  clientMetadataUrl?: string;
  clientName?: string;
  callbackPort?: string;
  authTimeout?: string;
  browser?: boolean;
  configDir?: string;
  scope?: string;
  login?: boolean;
  logout?: boolean;
  all?: boolean;
  token?: boolean;
  showSecrets?: boolean;
  getClientInfo?: boolean;
  updateClient?: string;
  deleteClient?: boolean;
  clientCredentials?: boolean;
  clientKey?: string;
  deviceCode?: boolean;
}

export type OAuthAction = 'login' | 'logout' | 'token' | 'get-client-info' | 'update-client' | 'delete-client';

export interface OAuthCliOptions extends Partial<RequestOptions> {
  clientId?: string;
  clientSecret?: string;
  clientMetadataUrl?: string;
  clientName: string;
  callbackPort?: number;
  authTimeoutMs: number;
  openBrowser: boolean;
  configDir: string;
  scope?: string;
  showSecrets: boolean;
  logoutAll: boolean;
  /** The one OAuth command requested, if any. */
  action?: OAuthAction;
  updatePatch?: Record<string, unknown>;
  /** Env-file credentials mode: the dotenv file the user named explicitly (--env-file). */
  credentialsFile?: string;
  /** Machine-to-machine (client-credentials grant) and headless (device grant) sign-in. */
  clientCredentials: boolean;
  clientKeyFile?: string;
  deviceCode: boolean;
}

export function registerOAuthOptions(command: Command): Command {
  const e = OAUTH_ENV;
  registerRequestOptions(command);
  return command
    .addOption(new Option('--client-id <id>', `static OAuth client id (env ${e.clientId})`))
    .addOption(new Option('--client-secret <secret>', `static OAuth client secret (env ${e.clientSecret})`))
    .addOption(new Option('--client-metadata-url <url>', `Client ID Metadata Document URL, used when the server supports it (env ${e.clientMetadataUrl})`))
    .addOption(new Option('--client-name <name>', `client_name for dynamic registration (env ${e.clientName}; default mcp-client)`))
    .addOption(new Option('--callback-port <port>', `loopback port for the OAuth redirect (env ${e.callbackPort}; default: any free port)`))
    .addOption(new Option('--auth-timeout <seconds>', `how long to wait for the browser sign-in (env ${e.authTimeout}; default 300)`))
    .addOption(new Option('--no-browser', `print the sign-in URL instead of opening a browser (env ${e.noBrowser})`))
    .addOption(new Option('--config-dir <dir>', `where credentials are kept (env ${e.configDir}; default $XDG_CONFIG_HOME/mcp-client or ~/.config/mcp-client)`))
    .addOption(new Option('--scope <scopes>', `OAuth scope to request (env ${e.scope}; default: what the server asks for)`))
    .addOption(new Option('--login', `sign in now and exit (env ${e.login})`))
    .addOption(new Option('--logout', `revoke this server's tokens at the authorization server when it supports RFC 7009, forget them and exit (env ${e.logout})`))
    .addOption(new Option('--all', `with --logout: also forget the client registration (env ${e.all})`))
    .addOption(new Option('--token', `show token status (expiry, scope, client id), refreshing if expired (env ${e.token})`))
    .addOption(new Option('--show-secrets', `with --token / client commands: include token and secret values (env ${e.showSecrets})`))
    .addOption(new Option('--get-client-info', `read the client registration from the server (RFC 7592) (env ${e.getClientInfo})`))
    .addOption(new Option('--update-client <key=value,...>', `update the client registration (RFC 7592) (env ${e.updateClient})`))
    .addOption(new Option('--delete-client', `delete the client registration at the server, then locally (env ${e.deleteClient})`))
    .addOption(new Option('--client-credentials', `machine-to-machine: get tokens with the client-credentials grant, no browser; needs --client-id and --client-secret or --client-key (env ${e.clientCredentials})`))
    .addOption(new Option('--client-key <file>', `with --client-credentials: PEM or JWK private key (RS256/ES256) for private_key_jwt (env ${e.clientKey})`))
    .addOption(new Option('--device-code', `sign in with the device authorization grant (RFC 8628): shows a URL and a code to enter on any device (env ${e.deviceCode})`));
}

function positive(name: string, raw: string, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > max) throw new ClientError('CONFIG_INVALID', `${name} must be a whole number from 1 to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * Pure: flags + environment → typed options. `credentialsFile` turns on env-file credentials mode; then
 * MCP_CLIENT_ID/SECRET are the stored credentials (read by the store), not static-client settings.
 */
export function resolveOAuthCliOptions(flags: OAuthRawFlags, env: Env, credentialsFile?: string): OAuthCliOptions {
  const e = OAUTH_ENV;
  const pick = (flag: string | undefined, key: keyof typeof OAUTH_ENV): string | undefined => flag ?? (env[e[key]] || undefined);
  const home = env.HOME || homedir();
  const configDir = resolve(pick(flags.configDir, 'configDir') ?? join(env.XDG_CONFIG_HOME || join(home, '.config'), 'mcp-client'));
  const actions: OAuthAction[] = [];
  if (flagOrEnvBoolean(e.login, flags.login, env[e.login])) actions.push('login');
  if (flagOrEnvBoolean(e.logout, flags.logout, env[e.logout])) actions.push('logout');
  if (flagOrEnvBoolean(e.token, flags.token, env[e.token])) actions.push('token');
  if (flagOrEnvBoolean(e.getClientInfo, flags.getClientInfo, env[e.getClientInfo])) actions.push('get-client-info');
  const update = pick(flags.updateClient, 'updateClient');
  if (update !== undefined) actions.push('update-client');
  if (flagOrEnvBoolean(e.deleteClient, flags.deleteClient, env[e.deleteClient])) actions.push('delete-client');
  if (actions.length > 1) throw new ClientError('CONFIG_INVALID', `use only one of --login, --logout, --token, --get-client-info, --update-client, --delete-client (got ${actions.join(', ')})`);
  const logoutAll = flagOrEnvBoolean(e.all, flags.all, env[e.all]);
  if (logoutAll && actions[0] !== 'logout') throw new ClientError('CONFIG_INVALID', '--all only goes with --logout');
  const port = pick(flags.callbackPort, 'callbackPort');
  const timeout = pick(flags.authTimeout, 'authTimeout');
  const options: OAuthCliOptions = {
    clientName: pick(flags.clientName, 'clientName') ?? 'mcp-client',
    authTimeoutMs: timeout === undefined ? 300_000 : positive('--auth-timeout', timeout, 86_400) * 1000,
    openBrowser: flags.browser === false ? false : !flagOrEnvBoolean(e.noBrowser, undefined, env[e.noBrowser]),
    configDir,
    showSecrets: flagOrEnvBoolean(e.showSecrets, flags.showSecrets, env[e.showSecrets]),
    logoutAll,
    ...resolveRequestOptions(flags, env),
    clientCredentials: false,
    deviceCode: false,
  };
  const clientId = credentialsFile ? flags.clientId : pick(flags.clientId, 'clientId');
  const clientSecret = credentialsFile ? flags.clientSecret : pick(flags.clientSecret, 'clientSecret');
  if (clientId) options.clientId = clientId;
  if (clientSecret) options.clientSecret = clientSecret;
  const metadataUrl = pick(flags.clientMetadataUrl, 'clientMetadataUrl');
  if (metadataUrl) options.clientMetadataUrl = metadataUrl;
  if (port !== undefined) options.callbackPort = positive('--callback-port', port, 65_535);
  const scope = pick(flags.scope, 'scope');
  if (scope) options.scope = scope;
  if (actions[0]) options.action = actions[0];
  if (update !== undefined) {
    try {
      options.updatePatch = parseClientPatch(update);
    } catch (error) {
      throw new ClientError('CONFIG_INVALID', describeError(error), { cause: error });
    }
  }
  if (credentialsFile) options.credentialsFile = resolve(credentialsFile);
  resolveM2mOptions(flags, env, options);
  return options;
}

/** The machine-to-machine / headless block of resolveOAuthCliOptions: fills `options`, refuses contradictions. */
function resolveM2mOptions(flags: OAuthRawFlags, env: Env, options: OAuthCliOptions): void {
  const e = OAUTH_ENV;
  options.clientCredentials = flagOrEnvBoolean(e.clientCredentials, flags.clientCredentials, env[e.clientCredentials]);
  options.deviceCode = flagOrEnvBoolean(e.deviceCode, flags.deviceCode, env[e.deviceCode]);
  const key = flags.clientKey ?? (env[e.clientKey] || undefined);
  if (key) options.clientKeyFile = resolve(key);
  if (options.clientCredentials && options.deviceCode) throw new ClientError('CONFIG_INVALID', 'use --client-credentials or --device-code, not both');
  if (key && !options.clientCredentials) throw new ClientError('CONFIG_INVALID', '--client-key goes with --client-credentials');
  if (options.clientCredentials) {
    const problem = clientCredentialsProblem({ clientId: options.clientId, clientSecret: options.clientSecret, clientKeyFile: options.clientKeyFile });
    if (problem) throw new ClientError('CONFIG_INVALID', problem);
  }
}

export interface OAuthDeps {
  /** The MCP server URL (already validated by the caller). */
  serverUrl: string;
  /** Base fetch (proxy-aware, timeouts) the OAuth layer builds on. */
  fetch?: FetchLike;
  logger: Logger;
  stdout: Writable;
  stderr: ErrStream;
  /** --json: machine-readable command output. */
  json?: boolean;
  signal?: AbortSignal;
  /** True when the user configured their own Authorization (--bearer or an Authorization header): no OAuth. */
  staticAuthorization?: boolean;
  /** Injected for tests; default opens the system browser without a shell. */
  openBrowser?: OpenBrowser;
  now?: () => number;
}

function buildClient(opts: OAuthCliOptions, deps: OAuthDeps, interactive: boolean): OAuthClient {
  return createOAuthClient({
    serverUrl: deps.serverUrl,
    configDir: opts.configDir,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    openBrowser: opts.openBrowser ? (deps.openBrowser ?? undefined) : false,
    ...(opts.callbackPort !== undefined ? { callbackPort: opts.callbackPort } : {}),
    authTimeoutMs: opts.authTimeoutMs,
    clientName: opts.clientName,
    ...(opts.clientId ? { clientId: opts.clientId } : {}),
    ...(opts.clientSecret ? { clientSecret: opts.clientSecret } : {}),
    ...(opts.clientMetadataUrl ? { clientMetadataUrl: opts.clientMetadataUrl } : {}),
    ...(opts.scope ? { scope: opts.scope } : {}),
    ...(opts.authorizeParams ? { authorizeParams: opts.authorizeParams } : {}),
    ...(opts.resource === false ? { resource: false } : {}),
    logger: deps.logger,
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(opts.credentialsFile ? { envFile: opts.credentialsFile, parseEnv: parseDotenv } : {}),
    onProgress: createProgressReporter(deps.stderr, deps.logger),
    interactive,
    clientCredentials: opts.clientCredentials,
    ...(opts.clientKeyFile ? { clientKeyFile: opts.clientKeyFile } : {}),
    deviceCode: opts.deviceCode,
  });
}

function printJson(deps: OAuthDeps, value: unknown): void {
  deps.stdout.write(`${JSON.stringify(value, null, deps.json ? undefined : 2)}\n`);
}

function printStatus(deps: OAuthDeps, status: TokenStatus): void {
  if (deps.json) printJson(deps, status);
  else deps.stdout.write(formatStatus(status, (deps.now ?? Date.now)()));
}

/**
 * Runs the OAuth command in `opts.action`, if any. Resolves to the exit code (0 ok, 1 failure) when a
 * command ran, or undefined when there was none (the caller goes on to the bridge or shell command).
 */
export async function runOAuthCommand(opts: OAuthCliOptions, deps: OAuthDeps): Promise<number | undefined> {
  if (!opts.action) return undefined;
  const client = buildClient(opts, deps, true);
  try {
    switch (opts.action) {
      case 'login':
        printStatus(deps, await client.login());
        break;
      case 'logout': {
        const { revoked } = await client.logout({ all: opts.logoutAll });
        const what = opts.logoutAll ? 'the tokens and the client registration' : 'the tokens';
        deps.stderr.write(revoked > 0 ? `Revoked ${revoked} token(s) at the authorization server and forgot ${what}.\n` : `Forgot ${what}.\n`);
        break;
      }
      case 'token':
        printStatus(deps, await client.status({ refresh: true, includeSecrets: opts.showSecrets }));
        break;
      case 'get-client-info':
        printJson(deps, maskSecrets(await client.getClientInfo(), opts.showSecrets));
        break;
      case 'update-client':
        printJson(deps, maskSecrets(await client.updateClient(opts.updatePatch ?? {}), opts.showSecrets));
        break;
      case 'delete-client':
        await client.deleteClient();
        deps.stderr.write('Deleted the client registration at the server and forgot it locally.\n');
        break;
    }
    return 0;
  } catch (caught) {
    const error = asOAuthFailure(caught);
    const code = isOAuthFlowError(error) ? error.code : error instanceof ClientError ? error.code : 'UNEXPECTED';
    deps.logger.error(`mcp-client: ${describeError(error)}`, { code });
    if (deps.logger.enabled('debug') && error instanceof Error) deps.logger.debug('stack', { stack: error.stack });
    return 1;
  }
}

/**
 * The OAuth layer's boundary: our typed errors and aborts pass through; anything else it threw (a Node
 * errno from the callback server, an unexpected library error) becomes one OAuthFlowError, so a sign-in
 * failure never reaches the user as a connection or protocol error.
 */
export function asOAuthFailure(error: unknown): unknown {
  if (typedCause(error) || (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))) return error;
  const errno = error as NodeJS.ErrnoException & { port?: unknown };
  if (errno.syscall === 'listen' && typeof errno.code === 'string') {
    const where = typeof errno.port === 'number' ? ` on 127.0.0.1:${errno.port}` : '';
    const hint = errno.code === 'EADDRINUSE' ? ': the port is taken; pass another --callback-port, or leave it out to use any free port' : '';
    return new OAuthFlowError('CALLBACK_LISTEN_FAILED', `cannot listen for the sign-in callback${where} (${errno.code})${hint}`, { cause: error });
  }
  return new OAuthFlowError('SIGN_IN_FAILED', `sign-in failed: ${describeError(error)}`, { cause: error });
}

/** The authenticated fetch for the bridge and shell commands, or undefined when OAuth is not in play. */
export function createOAuthFetch(opts: OAuthCliOptions, deps: OAuthDeps): FetchLike | undefined {
  if (deps.staticAuthorization) return undefined;
  // What the base fetch threw (the MCP request itself failed) passes through untouched; only what the
  // OAuth layer threw of its own is mapped.
  const fromBase = new WeakSet<object>();
  const base = deps.fetch;
  const tracked: FetchLike | undefined = base
    ? async (input, init) => {
        try {
          return await base(input, init);
        } catch (error) {
          if (typeof error === 'object' && error !== null) fromBase.add(error);
          throw error;
        }
      }
    : undefined;
  // A server that wants a static token says so before a sign-in is attempted (BEARER_REQUIRED).
  const guarded = tracked ? { fetch: withStaticBearerCheck(tracked, new URL(deps.serverUrl)) } : {};
  const oauthFetch = buildClient(opts, { ...deps, ...guarded }, true).fetch;
  return async (input, init) => {
    try {
      return await oauthFetch(input, init);
    } catch (error) {
      throw typeof error === 'object' && error !== null && fromBase.has(error) ? error : asOAuthFailure(error);
    }
  };
}
