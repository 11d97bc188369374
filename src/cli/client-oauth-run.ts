/**
 * mcp-client's OAuth commands at run time: the one-shot commands (--login, --logout, --token, RFC 7592 client
 * management) and the authenticated fetch for the bridge, from the options client-oauth.ts resolved.
 * Nothing here exits the process.
 */
import type { Writable } from 'node:stream';
import { parse as parseDotenv } from 'dotenv';
import type { FetchLike } from '../shared/fetch-like.js';
import { createOAuthClient, type OAuthClient, type TokenStatus } from '../oauth/oauth-client.js';
import type { OpenBrowser } from '../oauth/flow/browser.js';
import { withStaticBearerCheck } from '../client/http/static-bearer.js';
import { ClientError, describeError, isOAuthFlowError, OAuthFlowError, typedCause } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { createProgressReporter, formatStatus, maskSecrets, type ErrStream } from './client-oauth-output.js';
import type { OAuthCliOptions } from './client-oauth.js';

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
