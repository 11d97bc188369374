import { createRequire } from 'node:module';
import { config as loadDotenv } from 'dotenv';
import { startProxy, type RunningProxy } from '../proxy/http-server.js';
import { createModernHandler } from '../proxy/modern-handler.js';
import { PROXY_DEFAULTS, type ProxyOptions } from '../proxy/proxy-options.js';
import { describeError, isProxyError } from '../shared/errors.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { buildEdgeAuth } from './proxy-auth.js';
import { parseProxyArgs, UsageError, type ProxyCliOptions } from './proxy-args.js';

const require = createRequire(import.meta.url);

export function packageVersion(): string {
  return (require('../../package.json') as { version: string }).version;
}

/** The command for --demo: the reference "everything" server, run by this same Node. */
function demoCommand(): string[] {
  try {
    return [process.execPath, require.resolve('@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'];
  } catch {
    throw new UsageError('--demo needs @modelcontextprotocol/server-everything (npm i it), or give a server command');
  }
}

function makeLogger(cli: ProxyCliOptions): Logger {
  const format = cli.logFormat === 'auto' ? (process.stderr.isTTY ? 'text' : 'json') : cli.logFormat;
  return createLogger({ level: cli.logLevel, sink: process.stderr, format });
}

export async function toProxyOptions(cli: ProxyCliOptions, logger: Logger): Promise<ProxyOptions> {
  const [command, ...args] = cli.demo && cli.command.length === 0 ? demoCommand() : cli.command;
  const base: ProxyOptions = {
    host: cli.host,
    port: cli.port,
    endpoint: cli.endpoint,
    healthPath: PROXY_DEFAULTS.healthPath,
    allowedOrigins: cli.allowOrigin,
    allowedHosts: cli.allowHost,
    maxBodyBytes: cli.maxBody,
    maxSessions: cli.maxSessions,
    sessionTimeoutMs: Math.round(cli.sessionTimeout * 1000),
    requestTimeoutMs: Math.round(cli.requestTimeout * 1000),
    killGraceMs: Math.round(cli.killGrace * 1000),
    maxLineBytes: Math.max(PROXY_DEFAULTS.maxLineBytes, cli.maxBody),
    maxQueuedMessages: PROXY_DEFAULTS.maxQueuedMessages,
    child: { command: command!, args, env: cli.env, passEnv: cli.passEnv, baseEnv: process.env, shell: cli.shell, ...(cli.cwd ? { cwd: cli.cwd } : {}) },
    version: packageVersion(),
    logger,
    now: () => Date.now(),
  };
  const auth = await buildEdgeAuth(cli, logger);
  return auth ? { ...base, auth } : base;
}

function protectionLabel(cli: ProxyCliOptions): string {
  if (cli.oauthIssuer) return `OAuth (${cli.oauthIssuer})`;
  if (cli.authToken.length > 0) return 'bearer token';
  return 'no auth';
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  loadDotenv({ quiet: true });
  let cli: ProxyCliOptions;
  try {
    cli = parseProxyArgs(argv, process.env, packageVersion());
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.exitCode === 0) process.stdout.write(error.output);
      else process.stderr.write(`mcp-proxy: ${error.message}\nRun mcp-proxy --help for usage.\n`);
      process.exitCode = error.exitCode;
      return;
    }
    throw error;
  }
  const logger = makeLogger(cli);
  let proxy: RunningProxy;
  try {
    const options = await toProxyOptions(cli, logger);
    // 2026-07-28 clients are always served: natively by a modern child, through the era adapter by a
    // 2025-era one (--child-era picks which, `auto` probes a sibling once at start-up).
    const modern = createModernHandler(options, { childEra: cli.childEra });
    proxy = await startProxy(options, modern);
    const sessions = proxy.sessions;
    modern.children.countAlso(() => sessions.size);
    if (cli.childEra === 'auto') void modern.childEra();
    const commandLine = [options.child.command, ...options.child.args].join(' ');
    if (process.stderr.isTTY && (process.stderr.columns ?? 0) >= 40) {
      // ink (and its layout engine) is loaded only when a person is watching.
      const { printProxySummary } = await import('../ui/proxy-summary.js');
      printProxySummary(process.stderr, { url: proxy.url, command: commandLine, maxSessions: options.maxSessions, sessionTimeoutS: cli.sessionTimeout, protection: protectionLabel(cli), version: options.version });
    }
    logger.info('listening', { url: proxy.url, command: commandLine, protection: protectionLabel(cli) });
  } catch (error) {
    const code = error instanceof UsageError ? 2 : 1;
    logger.error(isProxyError(error) ? `${describeError(error)}: ${describeError(error.cause)}` : describeError(error));
    process.exitCode = code;
    return;
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      logger.warn('second signal: exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal, sessions: proxy.sessions.size });
    const hardStop = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, Math.round(cli.killGrace * 1000) + 2_000);
    hardStop.unref();
    void proxy.close().then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));
}
