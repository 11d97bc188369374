/** Options of createOAuthClient, with defaults resolved once. Everything injected; nothing read from the process. */
import { fetch as undiciFetch } from 'undici';
import { silentLogger, type Logger } from '../shared/logger.js';
import { OAuthFlowError } from '../shared/errors.js';
import { createSystemBrowserOpener, type OpenBrowser } from './flow/browser.js';
import { clientCredentialsProblem } from './grants/client-credentials.js';
import type { CredentialStore } from './store/credential-state.js';
import { createEnvFileStore, type EnvParser } from './store/env-file-store.js';
import { DEFAULT_HTTP_TIMEOUT_MS } from './http.js';
import type { FetchLike } from '../shared/fetch-like.js';
import { createJsonTokenStore } from './store/json-token-store.js';
import type { ProgressListener } from './flow/progress.js';
import { DEFAULT_EXPIRY_SKEW_MS } from './refresh-policy.js';

export interface OAuthClientOptions {
  /** The MCP server (resource) URL. */
  serverUrl: string | URL;
  /** Directory for per-server credential files (created 0700). */
  configDir: string;
  /** Base fetch for every request (default: undici's fetch). */
  fetch?: FetchLike;
  /** Clock in epoch milliseconds (default Date.now). */
  now?: () => number;
  /** How to show the authorization URL to a person; `false` = do not open a browser (the URL goes to onProgress). */
  openBrowser?: OpenBrowser | false;
  /** Loopback callback port; default: reuse the stored registration's port when free, else any free port. */
  callbackPort?: number;
  /** How long to wait for the browser sign-in (default 300 s). */
  authTimeoutMs?: number;
  /** Per-request timeout for authorization-server and metadata requests (default 30 s). */
  httpTimeoutMs?: number;
  clientName?: string;
  clientId?: string;
  clientSecret?: string;
  /** A Client ID Metadata Document URL, used when the authorization server advertises support. */
  clientMetadataUrl?: string;
  /** Scope to request instead of the metadata's scopes_supported. */
  scope?: string;
  logger?: Logger;
  signal?: AbortSignal;
  /** Env-file credentials mode: read/write MCP_CLIENT_* in this dotenv file instead of the JSON store. */
  envFile?: string;
  /** dotenv's parse, injected by the CLI (required with envFile). */
  parseEnv?: EnvParser;
  onProgress?: ProgressListener;
  /** Refresh this long before expiry (default 60 s, at most half the token lifetime). */
  expirySkewMs?: number;
  /** Longest wait for another process's refresh or login (default authTimeout + 30 s). */
  lockWaitMs?: number;
  /** When false, `fetch` never starts a browser login and fails with LOGIN_REQUIRED instead (default true). */
  interactive?: boolean;
  /** Send RFC 8707 `resource` in authorization and token requests (default true; false for servers that reject it). */
  resource?: boolean;
  /** Extra authorization request parameters (e.g. prompt=consent); never the ones the flow owns. */
  authorizeParams?: Record<string, string>;
  // Machine-to-machine and headless sign-in (client-credentials.ts, device-flow.ts).
  /** Get tokens with the client-credentials grant (clientId plus clientSecret or clientKeyFile); never a browser. */
  clientCredentials?: boolean;
  /** private_key_jwt: a PEM or JWK private key file (with clientCredentials). */
  clientKeyFile?: string;
  /** Sign in with the device authorization grant (RFC 8628) instead of a browser redirect. */
  deviceCode?: boolean;
}

export interface ResolvedOptions {
  serverUrl: URL;
  fetch: FetchLike;
  now: () => number;
  openBrowser: OpenBrowser | false;
  callbackPort: number | undefined;
  authTimeoutMs: number;
  httpTimeoutMs: number;
  clientName: string;
  clientId: string | undefined;
  clientSecret: string | undefined;
  clientMetadataUrl: string | undefined;
  scope: string | undefined;
  logger: Logger;
  signal: AbortSignal | undefined;
  store: CredentialStore;
  onProgress: ProgressListener;
  expirySkewMs: number;
  lockWaitMs: number;
  interactive: boolean;
  useResource: boolean;
  authorizeParams: Record<string, string>;
  clientCredentials: boolean;
  clientKeyFile: string | undefined;
  deviceCode: boolean;
}

/** Parameters the authorization flow sets itself; --authorize-param may not replace them. */
export const FLOW_OWNED_PARAMS = new Set(['client_id', 'redirect_uri', 'response_type', 'state', 'code_challenge', 'code_challenge_method', 'scope', 'resource', 'request', 'request_uri']);

function checkedAuthorizeParams(params: Record<string, string>): Record<string, string> {
  for (const key of Object.keys(params)) {
    if (FLOW_OWNED_PARAMS.has(key)) throw new OAuthFlowError('METADATA_INVALID', `authorize parameter "${key}" is set by the flow itself and cannot be overridden`);
  }
  return { ...params };
}

export function resolveOptions(options: OAuthClientOptions): ResolvedOptions {
  let serverUrl: URL;
  try {
    serverUrl = new URL(String(options.serverUrl));
  } catch (error) {
    throw new OAuthFlowError('METADATA_INVALID', `not a URL: ${String(options.serverUrl)}`, { cause: error });
  }
  if (options.envFile && !options.parseEnv) throw new OAuthFlowError('STORE_IO', 'env-file mode needs a parseEnv function');
  if (options.clientCredentials) {
    const problem = clientCredentialsProblem({ clientId: options.clientId, clientSecret: options.clientSecret, clientKeyFile: options.clientKeyFile });
    if (problem) throw new OAuthFlowError('GRANT_UNSUPPORTED', problem);
    if (options.deviceCode) throw new OAuthFlowError('GRANT_UNSUPPORTED', 'use --client-credentials or --device-code, not both');
  } else if (options.clientKeyFile) {
    throw new OAuthFlowError('GRANT_UNSUPPORTED', '--client-key goes with --client-credentials');
  }
  const authTimeoutMs = options.authTimeoutMs ?? 300_000;
  const store = options.envFile && options.parseEnv ? createEnvFileStore(options.envFile, options.parseEnv) : createJsonTokenStore(options.configDir, serverUrl);
  return {
    serverUrl,
    fetch: options.fetch ?? (undiciFetch as unknown as FetchLike),
    now: options.now ?? Date.now,
    openBrowser: options.openBrowser === undefined ? createSystemBrowserOpener() : options.openBrowser,
    callbackPort: options.callbackPort,
    authTimeoutMs,
    httpTimeoutMs: options.httpTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
    clientName: options.clientName ?? 'mcp-client',
    clientId: options.clientId || undefined,
    clientSecret: options.clientSecret || undefined,
    clientMetadataUrl: options.clientMetadataUrl || undefined,
    scope: options.scope || undefined,
    logger: options.logger ?? silentLogger,
    signal: options.signal,
    store,
    onProgress: options.onProgress ?? (() => undefined),
    expirySkewMs: options.expirySkewMs ?? DEFAULT_EXPIRY_SKEW_MS,
    lockWaitMs: options.lockWaitMs ?? authTimeoutMs + 30_000,
    interactive: options.interactive ?? true,
    useResource: options.resource ?? true,
    authorizeParams: checkedAuthorizeParams(options.authorizeParams ?? {}),
    clientCredentials: options.clientCredentials ?? false,
    clientKeyFile: options.clientKeyFile || undefined,
    deviceCode: options.deviceCode ?? false,
  };
}
