/**
 * mcp-proxy entry point: argv + environment + .env → options, a start-up check of the server command,
 * then the HTTP server. `runProxy` takes the process as a value so the CLI is tested without process.*;
 * `main` is the only place that touches the real process.
 */

import { createRequire } from 'node:module';
import { startProxy, type RunningProxy } from '../proxy/server.js';
import { createModernHandler, type ModernRequestHandler } from '../proxy/stateless/modern-handler.js';
import { PROXY_DEFAULTS, type ProxyOptions } from '../proxy/proxy-options.js';
import { checkChildStarts } from '../proxy/child/start-check.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { buildEdgeAuth } from './proxy-auth.js';
import { parseProxyArgs, UsageError, type ProxyCliOptions } from './proxy-args.js';
import { readProxyEnvironment, type EnvMap } from './proxy-environment.js';
import { describeProxyStartError } from './proxy-start-errors.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes.js';
import { withResolvedNpx } from './proxy-npx.js';
import { loadTracing, otelSettings, type OtelSettings } from './proxy-tracing.js';
import { configReloader, loadServerSpecs, type ConfigSource } from './proxy-config.js';

const require = createRequire(import.meta.url);

export function packageVersion(): string {
  return (require('../../package.json') as { version: string }).version;
}

interface TextStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export type ProxySignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** The process as the proxy CLI sees it. */
export interface ProxyProcess {
  argv: readonly string[];
  env: EnvMap;
  cwd: string;
  execPath: string;
  stdout: TextStream;
  stderr: TextStream;
  onSignal(signal: ProxySignal, handler: () => void): void;
  exit(code: number): void;
}

/** The command for --demo: the reference "everything" server (a dependency), run by this same Node. */
function demoCommand(execPath: string): string[] {
  try {
    return [execPath, require.resolve('@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'];
  } catch {
    throw new UsageError('--demo: the bundled demo server is missing from this installation (reinstall mcp-bridge), or give a server command');
  }
}

function makeLogger(cli: ProxyCliOptions, stderr: TextStream): Logger {
  const format = cli.logFormat === 'auto' ? (stderr.isTTY ? 'text' : 'json') : cli.logFormat;
  return createLogger({ level: cli.logLevel, sink: stderr, format });
}

export async function toProxyOptions(cli: ProxyCliOptions, logger: Logger, proc: Pick<ProxyProcess, 'env' | 'cwd' | 'execPath'>, childBase: Record<string, string>): Promise<ProxyOptions> {
  // With --config there is no command here: each server of the file brings its own (proxy-config.ts).
  const [command = '', ...args] = cli.demo && cli.command.length === 0 ? demoCommand(proc.execPath) : cli.command;
  const base: ProxyOptions = {
    host: cli.host,
    port: cli.port,
    endpoint: cli.endpoint,
    healthPath: PROXY_DEFAULTS.healthPath,
    readyPath: PROXY_DEFAULTS.readyPath,
    metricsPath: PROXY_DEFAULTS.metricsPath,
    allowedOrigins: cli.allowOrigin,
    allowedHosts: cli.allowHost,
    maxBodyBytes: cli.maxBody,
    maxSessions: cli.maxSessions,
    sessionTimeoutMs: Math.round(cli.sessionTimeout * 1000),
    requestTimeoutMs: Math.round(cli.requestTimeout * 1000),
    killGraceMs: Math.round(cli.killGrace * 1000),
    maxLineBytes: Math.max(PROXY_DEFAULTS.maxLineBytes, cli.maxBody),
    maxQueuedMessages: PROXY_DEFAULTS.maxQueuedMessages,
    prewarm: cli.prewarm,
    ...(cli.sse ? { legacySse: { endpoint: cli.sseEndpoint, messagesEndpoint: cli.messagesEndpoint } } : {}),
    ...(cli.eventStore ? { eventStore: { maxEvents: cli.eventStoreSize, maxBytes: cli.eventStoreBytes } } : {}),
    keepAliveMs: cli.keepAlive * 1000,
    isolation: cli.isolation,
    child: { command, args, env: cli.env, passEnv: cli.passEnv, baseEnv: childBase, shell: cli.shell, ...(cli.cwd ? { cwd: cli.cwd } : {}) },
    version: packageVersion(),
    logger,
    now: () => Date.now(),
  };
  const cluster = cli.redisUrl
    ? { cluster: { redisUrl: cli.redisUrl, ...(cli.advertiseUrl ? { advertiseUrl: cli.advertiseUrl } : {}), ...(cli.clusterSecret ? { secret: cli.clusterSecret } : {}) } }
    : {};
  const identity = {
    ...(cli.headerToEnv.length > 0 ? { headerToEnv: cli.headerToEnv } : {}),
    ...(cli.forwardClaims ? { forwardClaims: true } : {}),
    ...(cli.forwardToken ? { forwardToken: true } : {}),
    ...(cli.allowTools.length > 0 || cli.denyTools.length > 0 ? { toolFilter: { allow: cli.allowTools, deny: cli.denyTools } } : {}),
  };
  const auth = await buildEdgeAuth(cli, logger);
  return auth ? { ...base, ...cluster, ...identity, auth } : { ...base, ...cluster, ...identity };
}

function protectionLabel(cli: ProxyCliOptions): string {
  if (cli.oauthIssuer) return `OAuth (${cli.oauthIssuer})`;
  if (cli.authToken.length > 0) return 'bearer token';
  return 'no auth';
}

/** Runs mcp-proxy until a signal stops it. Sets the exit code through `proc.exit`. */
export async function runProxy(proc: ProxyProcess): Promise<void> {
  let cli: ProxyCliOptions;
  let childBase: Record<string, string>;
  let otel: OtelSettings | undefined;
  try {
    const environment = readProxyEnvironment(proc.env, proc.cwd);
    childBase = environment.childBase;
    cli = parseProxyArgs(proc.argv, environment.settings, packageVersion());
    otel = otelSettings(environment.settings);
  } catch (error) {
    if (error instanceof UsageError && error.exitCode === 0) {
      proc.stdout.write(error.output);
      return proc.exit(EXIT_OK);
    }
    proc.stderr.write(`mcp-proxy: ${error instanceof Error ? error.message : String(error)}\nRun mcp-proxy --help for usage.\n`);
    return proc.exit(EXIT_USAGE);
  }
  const logger = makeLogger(cli, proc.stderr);
  let proxy: RunningProxy;
  /** The `listening` line: written once the signal handlers are in place (a signal right after it is handled). */
  let announce = (): void => undefined;
  let reload: (() => void) | undefined;
  try {
    let options = await toProxyOptions(cli, logger, proc, childBase);
    if (cli.config === undefined) options = await withResolvedNpx(options, cli, proc.execPath, logger);
    // Metrics (and prom-client) only when asked for; the sources are bound once the proxy runs.
    let sources: { sessions: () => number; children: () => number; servers?: () => ReturnType<RunningProxy['perServer']> } = { sessions: () => 0, children: () => 0 };
    if (cli.metrics) {
      const { createPrometheusMetrics } = await import('../proxy/telemetry/metrics.js');
      const metrics = createPrometheusMetrics({ sessions: () => sources.sessions(), children: () => sources.children(), servers: () => sources.servers?.() });
      options = { ...options, metrics, child: { ...options.child, onTraffic: (direction, bytes) => metrics.bytes(direction, bytes) } };
    }
    const tracing = await loadTracing(otel, options.version);
    if (tracing) {
      options = { ...options, tracing };
      logger.info('OpenTelemetry traces on', { url: otel!.url, protocol: otel!.protocol });
    }
    // 2026-07-28 clients are always served: natively by a modern child, through the era adapter by a
    // 2025-era one (--child-era picks which, `auto` probes a sibling once at start-up).
    const modernFor = (o: ProxyOptions): ModernRequestHandler => {
      const modern = createModernHandler(o, { childEra: cli.childEra, keepAliveMs: o.keepAliveMs ?? PROXY_DEFAULTS.keepAliveMs });
      if (cli.childEra === 'auto') void modern.childEra();
      return modern;
    };
    let described: string;
    let servers: Record<string, string> | undefined;
    if (cli.config !== undefined) {
      // --config: every server of the file, each checked like a command on the command line.
      const source: ConfigSource = { cli, cwd: proc.cwd, env: childBase, execPath: proc.execPath, base: options, logger };
      const specs = await loadServerSpecs(source);
      proxy = await startProxy(options, undefined, {}, { servers: specs, modernFor });
      reload = configReloader(source, proxy, specs);
      described = `${specs.length} server${specs.length === 1 ? '' : 's'} from ${cli.config}`;
      servers = Object.fromEntries(specs.map((s) => [s.name, `${proxy.url}/${s.name}/mcp`]));
    } else {
      await checkChildStarts({ ...options.child, maxLineBytes: options.maxLineBytes, killGraceMs: options.killGraceMs }, Math.round(cli.startCheck * 1000), logger);
      proxy = await startProxy(options, modernFor(options));
      described = [options.child.command, ...options.child.args].join(' ');
    }
    const running = proxy;
    sources = { sessions: () => running.sessions.size + (running.legacySse?.size ?? 0), children: () => running.live, servers: () => running.perServer() };
    if (proc.stderr.isTTY && (proc.stderr.columns ?? 0) >= 40) {
      // ink (and its layout engine) is loaded only when a person is watching.
      const { printProxySummary } = await import('../ui/proxy-summary.js');
      printProxySummary(proc.stderr as NodeJS.WriteStream, { url: proxy.url, command: described, maxSessions: options.maxSessions, sessionTimeoutS: cli.sessionTimeout, protection: protectionLabel(cli), version: options.version });
    }
    const sseUrl = options.legacySse && cli.config === undefined ? new URL(options.legacySse.endpoint, proxy.url).href : undefined;
    const url = proxy.url;
    announce = () => logger.info('listening', { url, ...(sseUrl ? { sse: sseUrl } : {}), command: described, protection: protectionLabel(cli), ...(servers ? { servers } : {}) });
  } catch (error) {
    const described = describeProxyStartError(error, cli);
    logger.error(described.message, described.fields);
    return proc.exit(exitCodeFor(error));
  }
  // First signal: drain (no new sessions, existing ones served) for up to --drain-timeout, then end every
  // session. Second signal: end every session now. Third: exit at once.
  let signals = 0;
  const finish = (): void => {
    const hardStop = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      proc.exit(EXIT_FAILURE);
    }, Math.round(cli.killGrace * 1000) + 2_000);
    hardStop.unref();
    void proxy.close().then(() => {
      logger.info('stopped');
      proc.exit(EXIT_OK);
    });
  };
  const stop = (signal: ProxySignal): void => {
    signals += 1;
    if (signals === 1 && cli.drainTimeout > 0 && proxy.live > 0) {
      logger.info('draining: no new sessions; existing ones are served until they end', { signal, sessions: proxy.live, drainTimeoutS: cli.drainTimeout });
      void proxy.drain(Math.round(cli.drainTimeout * 1000)).then((outcome) => {
        if (signals > 1) return;
        logger.info(outcome === 'empty' ? 'drained: every session ended' : 'drain timeout reached; ending the remaining sessions', { sessions: proxy.live });
        finish();
      });
      return;
    }
    if (signals <= 2) {
      logger.info('shutting down', { signal, sessions: proxy.live });
      finish();
      return;
    }
    logger.warn('another signal: exiting now', { signal });
    proc.exit(EXIT_FAILURE);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) proc.onSignal(signal, () => stop(signal));
  // With --config, SIGHUP re-reads the file; without it, SIGHUP stops the proxy as before.
  proc.onSignal('SIGHUP', () => (reload ? reload() : stop('SIGHUP')));
  // Whoever waits for this line may signal at once: until a handler is installed, SIGHUP would kill the process.
  announce();
}

export function main(): Promise<void> {
  return runProxy({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    execPath: process.execPath,
    stdout: process.stdout,
    stderr: process.stderr,
    onSignal: (signal, handler) => process.on(signal, handler),
    exit: (code) => process.exit(code),
  });
}
