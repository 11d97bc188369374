import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isLogLevel, type LogLevel } from '../shared/logger.js';
import type { HeaderToEnvSpec } from '../proxy/proxy-options.js';
import { parseBooleanWord } from './flag-values.js';
import { PROXY_OPTIONS, type ProxyOptionSpec } from './proxy-option-table.js';
import type { Isolation } from '../proxy/proxy-options.js';

export { collectEnv, parseSize } from './proxy-option-table.js';

/** What the command line and environment say, before any I/O. Pure: unit-tested without mocks. */
export interface ProxyCliOptions {
  host: string;
  port: number;
  endpoint: string;
  allowOrigin: string[];
  allowHost: string[];
  maxBody: number;
  maxSessions: number;
  prewarm: number;
  sessionTimeout: number;
  requestTimeout: number;
  killGrace: number;
  startCheck: number;
  drainTimeout: number;
  env: Record<string, string>;
  passEnv: boolean;
  npxResolve: boolean;
  cwd?: string;
  shell: boolean;
  logLevel: LogLevel;
  logFormat: 'auto' | 'json' | 'text';
  authToken: string[];
  oauthIssuer?: string;
  oauthAudience?: string;
  oauthJwksUri?: string;
  oauthScope: string[];
  childEra: 'auto' | 'legacy' | 'modern';
  demo: boolean;
  metrics: boolean;
  redisUrl?: string;
  advertiseUrl?: string;
  clusterSecret?: string;
  /** --config: the servers file (then no command is given). */
  config?: string;
  headerToEnv: HeaderToEnvSpec[];
  forwardClaims: boolean;
  forwardToken: boolean;
  allowTools: string[];
  denyTools: string[];
  isolation: Isolation;
  /** The legacy HTTP+SSE transport (--no-sse turns it off) and its two paths. */
  sse: boolean;
  sseEndpoint: string;
  messagesEndpoint: string;
  eventStore: boolean;
  eventStoreSize: number;
  eventStoreBytes: number;
  /** Seconds between SSE keep-alive comments (0 = none). */
  keepAlive: number;
  command: string[];
}

const asPath = (value: string): string => (value.startsWith('/') ? value : `/${value}`);

/** A command line that cannot run (exit 2), or help/version output that was asked for (exit 0). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
  readonly exitCode: number;
  readonly output: string;
  constructor(message: string, exitCode = 2, output = '') {
    super(message);
    this.exitCode = exitCode;
    this.output = output;
  }
}

export const PROXY_EXAMPLES = `
Examples:
  $ mcp-proxy -- npx -y @modelcontextprotocol/server-filesystem /data
  $ mcp-proxy --port 8080 python -m mcp_server_fetch
  $ mcp-proxy --host 0.0.0.0 --allow-origin https://app.example.com --auth-token "$TOKEN" -- ./server
  $ mcp-proxy --oauth-issuer https://auth.example.com --oauth-audience https://mcp.example.com/mcp -- ./server
  $ mcp-proxy --config servers.json    # each server of the file at /servers/<name>/mcp
  $ mcp-proxy --demo            # serves @modelcontextprotocol/server-everything (npm start)
  $ npx -y -p mcp-bridge mcp-proxy --demo    # without installing (plain "npx mcp-proxy" is another package)

Every option has an environment variable (shown with it above); a .env file in the working directory
is read too. A flag beats the environment, which beats .env, which beats the default. Booleans take
1/0, true/false, yes/no or on/off. MCP_PROXY_* variables are never passed to the server.
The server command comes only from this command line, never from a request.
`;

function toOption(s: ProxyOptionSpec): Option {
  const option = new Option(s.flags, `${s.description} (env ${s.env})`);
  if (s.parse) option.argParser(s.parse as (value: string, previous: unknown) => unknown);
  if (s.choices) option.choices([...s.choices]);
  if (s.default !== undefined) option.default(s.default, s.defaultLabel);
  return option;
}

export function buildProxyCommand(version: string): Command {
  const p = new Command('mcp-proxy')
    .description('Serve a stdio MCP server over Streamable HTTP, one child process per session.')
    .version(version)
    .argument('[command...]', 'the stdio MCP server to run (put it after --)')
    .passThroughOptions()
    .showHelpAfterError()
    .addHelpText('after', PROXY_EXAMPLES);
  for (const s of PROXY_OPTIONS) {
    p.addOption(toOption(s));
    if (s.negation) p.addOption(new Option(s.negation, `the opposite of ${s.flags.split(' ')[0]}`));
  }
  return p;
}

/** One environment variable's value for an option that the command line did not set. */
function fromEnvironment(s: ProxyOptionSpec, raw: string): unknown {
  if (s.kind === 'flag') {
    const value = parseBooleanWord(raw);
    if (value === undefined) throw new UsageError(`${s.env} must be one of 1/0, true/false, yes/no, on/off; got ${JSON.stringify(raw)}`);
    return value;
  }
  if (s.choices && !s.choices.includes(raw)) throw new UsageError(`${s.env} must be one of ${s.choices.join(', ')}; got ${JSON.stringify(raw)}`);
  if (!s.parse) return raw;
  try {
    return s.parse(raw, s.kind === 'list' ? s.default : undefined);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageError(`${s.env}: ${error.message}`);
    throw error;
  }
}

/**
 * Parses argv (without node and script) and the environment (the process environment over `.env`, merged
 * by the caller) into options. Flags win over variables, variables over defaults. Throws UsageError.
 */
export function parseProxyArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, version = '0.0.0'): ProxyCliOptions {
  let out = '';
  const program = buildProxyCommand(version).exitOverride().configureOutput({ writeOut: (t) => (out += t), writeErr: () => undefined });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) throw new UsageError('', 0, out);
    const message = error instanceof Error ? error.message.replace(/^error: /, '') : String(error);
    throw new UsageError(message);
  }
  const o: Record<string, unknown> = { ...program.opts() };
  /** Options the user gave, by flag or variable (not left at their defaults). */
  const given = new Set<string>();
  for (const s of PROXY_OPTIONS) {
    if (program.getOptionValueSource(s.key) === 'cli') {
      given.add(s.key);
      continue;
    }
    const raw = env[s.env];
    if (raw === undefined) continue;
    if (raw.trim() === '') {
      if (s.refuseEmpty) throw new UsageError(`${s.env} is set but empty: that would leave the proxy unprotected; give a value or unset it`);
      continue;
    }
    o[s.key] = fromEnvironment(s, raw);
    given.add(s.key);
  }
  const command = program.args;
  const config = typeof o.config === 'string' && o.config !== '' ? o.config : undefined;
  if (config !== undefined) {
    if (command.length > 0) throw new UsageError(`--config serves the servers of ${config}: give no server command as well (got: ${command.join(' ')})`);
    if (o.demo) throw new UsageError('--config and --demo are exclusive: the demo is one server; add it to the file instead');
    if (o.redisUrl !== undefined) throw new UsageError('--config and --redis-url cannot be combined yet: the session directory does not know named servers (run one instance per file)');
    if (given.has('endpoint')) throw new UsageError(`--endpoint does not apply with --config: each server of ${config} is at /servers/<name>/mcp`);
  }
  if (!o.demo && config === undefined && command.length === 0) throw new UsageError('no server command given: mcp-proxy [options] -- <command> [args...] (or --demo)');
  if (typeof o.logLevel !== 'string' || !isLogLevel(o.logLevel)) throw new UsageError(`bad --log-level ${String(o.logLevel)}`);
  const authToken = o.authToken as string[];
  if (o.oauthIssuer !== undefined && authToken.length > 0) throw new UsageError('--auth-token and --oauth-issuer are exclusive: choose one protection');
  if (o.redisUrl === undefined && (o.advertiseUrl !== undefined || o.clusterSecret !== undefined)) {
    throw new UsageError('--advertise-url and --cluster-secret need --redis-url (they configure several instances sharing one Redis)');
  }
  if ((o.forwardClaims === true || o.forwardToken === true) && o.oauthIssuer === undefined && authToken.length === 0) {
    throw new UsageError('--forward-claims and --forward-token need --auth-token or --oauth-issuer: without authentication there is no caller to forward');
  }
  const endpoint = o.endpoint as string;
  const sse = o.sse !== false;
  const paths = [asPath(endpoint), asPath(o.sseEndpoint as string), asPath(o.messagesEndpoint as string)];
  if (sse && new Set(paths).size < 3) throw new UsageError(`--endpoint, --sse-endpoint and --messages-endpoint must be three different paths, got ${paths.join(', ')}`);
  return {
    host: o.host as string, port: o.port as number, endpoint: endpoint.startsWith('/') ? endpoint : `/${endpoint}`,
    allowOrigin: o.allowOrigin as string[], allowHost: o.allowHost as string[], maxBody: o.maxBody as number, maxSessions: o.maxSessions as number, prewarm: o.prewarm as number,
    sessionTimeout: o.sessionTimeout as number, requestTimeout: o.requestTimeout as number, killGrace: o.killGrace as number, startCheck: o.startCheck as number, drainTimeout: o.drainTimeout as number,
    env: o.env as Record<string, string>, passEnv: o.passEnv !== false, npxResolve: o.npxResolve !== false, ...(typeof o.cwd === 'string' ? { cwd: o.cwd } : {}), shell: o.shell === true,
    logLevel: o.logLevel, logFormat: o.logFormat as ProxyCliOptions['logFormat'], authToken,
    ...(typeof o.oauthIssuer === 'string' ? { oauthIssuer: o.oauthIssuer } : {}),
    ...(typeof o.oauthAudience === 'string' ? { oauthAudience: o.oauthAudience } : {}),
    ...(typeof o.oauthJwksUri === 'string' ? { oauthJwksUri: o.oauthJwksUri } : {}),
    ...(typeof o.redisUrl === 'string' ? { redisUrl: o.redisUrl } : {}),
    ...(typeof o.advertiseUrl === 'string' ? { advertiseUrl: o.advertiseUrl } : {}),
    ...(typeof o.clusterSecret === 'string' ? { clusterSecret: o.clusterSecret } : {}),
    ...(config !== undefined ? { config } : {}),
    oauthScope: o.oauthScope as string[], childEra: o.childEra as ProxyCliOptions['childEra'], demo: o.demo === true, metrics: o.metrics === true,
    headerToEnv: o.headerToEnv as HeaderToEnvSpec[], forwardClaims: o.forwardClaims === true, forwardToken: o.forwardToken === true,
    allowTools: o.allowTools as string[], denyTools: o.denyTools as string[], command,
    isolation: o.isolation as Isolation,
    sse, sseEndpoint: paths[1]!, messagesEndpoint: paths[2]!, eventStore: o.eventStore !== false, eventStoreSize: o.eventStoreSize as number, eventStoreBytes: o.eventStoreBytes as number, keepAlive: o.keepAlive as number,
  };
}
