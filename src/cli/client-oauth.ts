/**
 * mcp-client's OAuth command line: the OAuth flags (each with an MCP_CLIENT_* variable) resolved into
 * options. Running them (the one-shot commands, the authenticated fetch) is client-oauth-run.ts.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { clientCredentialsProblem } from '../oauth/grants/client-credentials.js';
import { parseClientPatch } from '../oauth/grants/registration.js';
import { ClientError, describeError } from '../shared/errors.js';
import { flagOrEnvBoolean, type Env } from './flag-values.js';
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
