/**
 * mcp-client entry point: argv + env + .env → options, then either the stdio bridge (default) or a
 * one-shot shell command. The only place that reads process state, installs signal handlers and
 * decides the exit code.
 */

import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { runEraBridge } from '../client/routes/era-bridge.js';
import { runCall } from '../client/commands/call-command.js';
import { connectClient } from '../client/remote/connect-client.js';
import { createFileEraCache, type EraCache } from '../client/remote/era-cache.js';
import { listAll } from '../client/commands/list-command.js';
import { DEFAULT_RETRY_POLICY } from '../client/remote/retry-policy.js';
import { checkServerUrl } from '../client/http/url-policy.js';
import { toUserError } from '../client/remote/remote-failure.js';
import { createLogger, type Logger, type LogLevel } from '../shared/logger.js';
import { loadEnvironment } from './client-env.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes.js';
import { buildClientFetch, type ClientFetch } from './client-fetch.js';
import { createShutdown, type Shutdown } from './client-shutdown.js';
import { resolveOAuthCliOptions } from './client-oauth.js';
import { createOAuthFetch, runOAuthCommand, type OAuthDeps } from './client-oauth-run.js';
import type { FetchLike } from '../shared/fetch-like.js';
import { ENV, packageVersion, parseArgv, resolveClientOptions, type ClientOptions, type Env } from './client-options.js';
import { printCallResult, printListing, type OutputStreams } from './client-output.js';

export interface ClientProcess extends OutputStreams {
  args: readonly string[];
  env: Env;
  cwd: string;
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  /** Registers a shutdown handler (SIGINT/SIGTERM); returns a function that removes it. */
  onShutdownSignal?: (handler: () => void) => () => void;
}

function makeLogger(proc: ClientProcess, level: LogLevel): Logger {
  return createLogger({ level, sink: proc.stderr, format: proc.stderr.isTTY ? 'text' : 'json', bindings: { component: 'mcp-client' } });
}

async function runBridgeCommand(options: ClientOptions, url: URL, http: ClientFetch, proc: ClientProcess, log: Logger, shutdown: Shutdown, eraCache: EraCache | undefined): Promise<number> {
  const local = new StdioServerTransport(proc.stdin, proc.stdout);
  const removeSignal = proc.onShutdownSignal?.(() => {
    log.info('shutdown signal received; closing');
    shutdown.stop('shutdown signal');
    void local.close();
  });
  // The local client went away (Claude Desktop quit): nothing may keep waiting for it, a sign-in included.
  const onStdinEnd = (): void => shutdown.stop('stdin closed');
  proc.stdin.once('end', onStdinEnd);
  try {
    // origin + path only: a query string may carry a credential
    log.info('bridging stdio to remote MCP server', { url: `${url.origin}${url.pathname}`, transport: options.transport, protocol: options.protocol });
    await runEraBridge({
      url,
      transport: options.transport,
      protocol: options.protocol,
      clientInfo: { name: 'mcp-client', version: packageVersion() },
      fetch: http.fetch,
      local,
      retry: { ...DEFAULT_RETRY_POLICY, budgetMs: options.reconnectTimeoutMs },
      requestTimeoutMs: options.timeoutMs,
      logger: log,
      ...(eraCache ? { eraCache } : {}),
    });
    return EXIT_OK;
  } finally {
    removeSignal?.();
    proc.stdin.off('end', onStdinEnd);
  }
}

async function runShellCommand(options: ClientOptions, url: URL, http: ClientFetch, proc: ClientProcess, log: Logger, eraCache: EraCache | undefined): Promise<number> {
  const connected = await connectClient({
    url,
    transport: options.transport,
    protocol: options.protocol,
    fetch: http.fetch,
    timeoutMs: options.timeoutMs,
    clientInfo: { name: 'mcp-client', version: packageVersion() },
    logger: log,
    ...(eraCache ? { eraCache } : {}),
  });
  const server = connected.client.getServerVersion();
  log.debug('connected to the remote', { transport: connected.kind, server: server ? `${server.name} ${server.version}` : undefined, command: options.command.kind });
  try {
    if (options.command.kind === 'list') {
      await printListing(await listAll(connected.client, options.command.what, options.timeoutMs), options.json, proc);
      return EXIT_OK;
    }
    if (options.command.kind === 'call') {
      const outcome = await runCall(connected.client, options.command.spec, options.timeoutMs);
      printCallResult(outcome, options.json, proc);
      return outcome.isError ? EXIT_FAILURE : EXIT_OK;
    }
    return EXIT_USAGE;
  } finally {
    await connected.close();
  }
}

/** Usage errors are for a person (often reading Claude Desktop's log): plain text, never a JSON log line. */
function printUsageError(proc: ClientProcess, message: string, helpHint = true): void {
  proc.stderr.write(`mcp-client: ${message}\n${helpHint ? 'Run mcp-client --help for usage.\n' : ''}`);
}

/** Runs mcp-client against the given process state; resolves to the exit code. Never throws. */
export async function runClient(proc: ClientProcess): Promise<number> {
  let log = makeLogger(proc, 'info');
  const parsed = parseArgv(proc.args);
  if (parsed.kind === 'help') {
    proc.stdout.write(parsed.text.endsWith('\n') ? parsed.text : `${parsed.text}\n`);
    return EXIT_OK;
  }
  if (parsed.kind === 'usage-error') {
    printUsageError(proc, parsed.message);
    return EXIT_USAGE;
  }
  let http: ClientFetch | undefined;
  const shutdown = createShutdown();
  try {
    // --env-file or MCP_CLIENT_ENV_FILE (from the real environment only: it names the file): a file the user
    // named explicitly, which also holds the OAuth credentials (env-file credentials mode).
    const envFile = parsed.flags.envFile ?? (proc.env[ENV.envFile] || undefined);
    const { env } = loadEnvironment(proc.env, proc.cwd, envFile);
    const resolved = resolveClientOptions(parsed.flags, env);
    const oauth = resolveOAuthCliOptions(parsed.flags, env, envFile);
    // In env-file credentials mode MCP_CLIENT_ACCESS_TOKEN is a stored OAuth token, not a static bearer.
    const options = oauth.credentialsFile ? { ...resolved, bearer: parsed.flags.bearer } : resolved;
    log = makeLogger(proc, options.logLevel);
    const url = checkServerUrl(options.serverUrl, options.allowHttp);
    const oauthDeps: OAuthDeps = {
      serverUrl: url.href,
      logger: log,
      stdout: proc.stdout,
      stderr: proc.stderr,
      json: options.json,
      staticAuthorization: options.bearer !== undefined || options.headers.some((h) => /^\s*authorization\s*:/i.test(h)),
      signal: shutdown.signal,
    };
    let base: FetchLike | undefined;
    http = buildClientFetch(options, {
      env,
      wrapFetch: (f) => {
        base = f;
        return oauth.action ? f : (createOAuthFetch(oauth, { ...oauthDeps, fetch: f }) ?? f);
      },
    });
    if (oauth.action) {
      // --login waits for a person: a signal cancels the sign-in and releases the lock instead of killing us mid-way
      const removeSignal = proc.onShutdownSignal?.(() => shutdown.stop('shutdown signal'));
      try {
        return (await runOAuthCommand(oauth, { ...oauthDeps, ...(base ? { fetch: base } : {}) })) ?? EXIT_USAGE;
      } finally {
        removeSignal?.();
      }
    }
    const eraCache = options.eraCache ? createFileEraCache({ configDir: oauth.configDir, logger: log }) : undefined;
    if (options.command.kind === 'bridge') return await runBridgeCommand(options, url, http, proc, log, shutdown, eraCache);
    return await runShellCommand(options, url, http, proc, log, eraCache);
  } catch (error) {
    if (shutdown.interrupted(error)) {
      // We were asked to stop and this is what the stop cut short (a sign-in): not a failure to report.
      log.info(`mcp-client: stopped (${shutdown.reason})`, { interrupted: toUserError(error).message });
      return EXIT_OK;
    }
    const mapped = toUserError(error);
    const exitCode = exitCodeFor(mapped);
    // a tool-argument mistake (-c) names the tool's parameters already; --help would not help there
    if (exitCode === EXIT_USAGE) {
      printUsageError(proc, mapped.message, mapped.code === 'CONFIG_INVALID' || mapped.code === 'INSECURE_URL');
      return exitCode;
    }
    log.error(`mcp-client: ${mapped.message}`, { code: mapped.code });
    if (log.enabled('debug') && error instanceof Error) log.debug('stack', { stack: error.stack });
    return exitCode;
  } finally {
    await http?.close();
  }
}

/** The bin entry: real process state in, exit code out. */
export function main(): void {
  const proc: ClientProcess = {
    args: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    onShutdownSignal: (handler) => {
      process.once('SIGINT', handler);
      process.once('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
  void runClient(proc).then((code) => {
    // Let queued stdout/stderr writes reach the pipe before exiting.
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  });
}
