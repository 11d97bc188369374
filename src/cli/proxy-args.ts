import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isLogLevel, type LogLevel } from '../shared/logger.js';
import { PROXY_DEFAULTS } from '../proxy/proxy-options.js';

/** What the command line and environment say, before any I/O. Pure: unit-tested without mocks. */
export interface ProxyCliOptions {
  host: string;
  port: number;
  endpoint: string;
  allowOrigin: string[];
  allowHost: string[];
  maxBody: number;
  maxSessions: number;
  sessionTimeout: number;
  requestTimeout: number;
  killGrace: number;
  env: Record<string, string>;
  passEnv: boolean;
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
  command: string[];
}

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

const int = (name: string, min: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
  return n;
};

const seconds = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number of seconds`);
  return n;
};

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$/i;
const UNITS: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 };

/** Parses `4194304`, `512kb`, `4mb`, `1.5MiB` into bytes. */
export function parseSize(value: string): number {
  const m = SIZE.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`not a size: ${value} (use bytes or a unit: 512kb, 4mb)`);
  const bytes = Math.floor(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]!);
  if (bytes < 1) throw new InvalidArgumentError('size must be at least 1 byte');
  return bytes;
}

/** `KEY=VALUE` pairs (repeatable); also accepts a comma-free list from one env var separated by newlines. */
export function collectEnv(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const out = { ...previous };
  for (const item of value.split('\n').filter((s) => s.trim() !== '')) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`--env takes KEY=VALUE, got: ${item}`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

export const PROXY_EXAMPLES = `
Examples:
  $ mcp-proxy -- npx -y @modelcontextprotocol/server-filesystem /data
  $ mcp-proxy --port 8080 python -m mcp_server_fetch
  $ mcp-proxy --host 0.0.0.0 --allow-origin https://app.example.com --auth-token "$TOKEN" -- ./server
  $ mcp-proxy --oauth-issuer https://auth.example.com --oauth-audience https://mcp.example.com/mcp -- ./server
  $ mcp-proxy --demo            # serves @modelcontextprotocol/server-everything (npm start)

Every option can also be set with an MCP_PROXY_* environment variable (e.g. MCP_PROXY_PORT=8080),
and a .env file in the working directory is loaded. The server command is never taken from a request.
`;

export function buildProxyCommand(version: string): Command {
  const p = new Command('mcp-proxy')
    .description('Serve a stdio MCP server over Streamable HTTP, one child process per session.')
    .version(version)
    .argument('[command...]', 'the stdio MCP server to run (put it after --)')
    .passThroughOptions()
    .showHelpAfterError()
    .addHelpText('after', PROXY_EXAMPLES);
  const opt = (flags: string, description: string, env: string): Option => new Option(flags, description).env(env);
  p.addOption(opt('--host <host>', 'address to bind', 'MCP_PROXY_HOST').default(PROXY_DEFAULTS.host));
  p.addOption(opt('-p, --port <port>', 'port to listen on (0 = any free port)', 'MCP_PROXY_PORT').argParser(int('--port', 0)).default(PROXY_DEFAULTS.port));
  p.addOption(opt('--endpoint <path>', 'path of the MCP endpoint', 'MCP_PROXY_ENDPOINT').default(PROXY_DEFAULTS.endpoint));
  p.addOption(opt('--allow-origin <origin>', 'allow browser requests from this exact origin (repeatable, or comma-separated; * for any)', 'MCP_PROXY_ALLOW_ORIGIN').argParser(collect).default([]));
  p.addOption(opt('--allow-host <hostname>', 'extra Host name accepted while bound to loopback (repeatable)', 'MCP_PROXY_ALLOW_HOST').argParser(collect).default([]));
  p.addOption(opt('--max-body <size>', 'largest request body (bytes, or 512kb, 4mb)', 'MCP_PROXY_MAX_BODY').argParser(parseSize).default(PROXY_DEFAULTS.maxBodyBytes, '4mb'));
  p.addOption(opt('--max-sessions <n>', 'most concurrent sessions (and stateless children)', 'MCP_PROXY_MAX_SESSIONS').argParser(int('--max-sessions', 1)).default(PROXY_DEFAULTS.maxSessions));
  p.addOption(opt('--session-timeout <seconds>', 'end a session after this long without client requests', 'MCP_PROXY_SESSION_TIMEOUT').argParser(seconds('--session-timeout')).default(PROXY_DEFAULTS.sessionTimeoutMs / 1000));
  p.addOption(opt('--request-timeout <seconds>', 'fail a request the server has not answered in this long (progress resets it)', 'MCP_PROXY_REQUEST_TIMEOUT').argParser(seconds('--request-timeout')).default(PROXY_DEFAULTS.requestTimeoutMs / 1000));
  p.addOption(opt('--kill-grace <seconds>', 'time between SIGTERM and SIGKILL when ending a child', 'MCP_PROXY_KILL_GRACE').argParser(seconds('--kill-grace')).default(PROXY_DEFAULTS.killGraceMs / 1000));
  p.addOption(opt('--env <KEY=VALUE>', 'set a variable for the child (repeatable)', 'MCP_PROXY_ENV').argParser(collectEnv).default({}));
  p.addOption(opt('--pass-env', 'pass the proxy\'s environment to the child (default)', 'MCP_PROXY_PASS_ENV').default(true));
  p.addOption(new Option('--no-pass-env', 'give the child only PATH, HOME and the like, plus --env'));
  p.addOption(opt('--cwd <dir>', 'working directory of the child', 'MCP_PROXY_CWD'));
  p.addOption(opt('--shell', 'run the command through a shell (off: argv is executed directly)', 'MCP_PROXY_SHELL').default(false));
  p.addOption(opt('--auth-token <token>', 'require Authorization: Bearer <token> (repeatable)', 'MCP_PROXY_AUTH_TOKEN').argParser(collect).default([]));
  p.addOption(opt('--oauth-issuer <url>', 'require OAuth access tokens (JWT) from this issuer', 'MCP_PROXY_OAUTH_ISSUER'));
  p.addOption(opt('--oauth-audience <uri>', 'expected token audience / RFC 8707 resource (default: the endpoint URL)', 'MCP_PROXY_OAUTH_AUDIENCE'));
  p.addOption(opt('--oauth-jwks-uri <url>', 'JWKS location (default: from the issuer\'s metadata)', 'MCP_PROXY_OAUTH_JWKS_URI'));
  p.addOption(opt('--oauth-scope <scope>', 'scope every token must carry (repeatable)', 'MCP_PROXY_OAUTH_SCOPE').argParser(collect).default([]));
  p.addOption(opt('--child-era <era>', 'protocol era of the child: auto, legacy (2025) or modern (2026-07-28)', 'MCP_PROXY_CHILD_ERA').choices(['auto', 'legacy', 'modern']).default('auto'));
  p.addOption(opt('--log-level <level>', 'error, warn, info or debug', 'MCP_PROXY_LOG_LEVEL').choices(['error', 'warn', 'info', 'debug']).default('info'));
  p.addOption(opt('--log-format <format>', 'auto (text on a TTY, else JSON lines), json or text', 'MCP_PROXY_LOG_FORMAT').choices(['auto', 'json', 'text']).default('auto'));
  p.addOption(opt('--demo', 'serve the bundled demo server (@modelcontextprotocol/server-everything)', 'MCP_PROXY_DEMO').default(false));
  return p;
}

/** Parses argv (without node and script) and the environment into options. Throws UsageError. */
export function parseProxyArgs(argv: readonly string[], env: Record<string, string | undefined>, version = '0.0.0'): ProxyCliOptions {
  let out = '';
  const program = buildProxyCommand(version).exitOverride().configureOutput({ writeOut: (t) => (out += t), writeErr: () => undefined });
  const saved = { ...process.env };
  try {
    // commander reads Option.env() from process.env; scope it to the given environment.
    for (const k of Object.keys(process.env)) if (k.startsWith('MCP_PROXY_')) delete process.env[k];
    for (const [k, v] of Object.entries(env)) if (k.startsWith('MCP_PROXY_') && v !== undefined) process.env[k] = v;
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) throw new UsageError('', 0, out);
    const message = error instanceof Error ? error.message.replace(/^error: /, '') : String(error);
    throw new UsageError(message);
  } finally {
    for (const k of Object.keys(process.env)) if (k.startsWith('MCP_PROXY_')) delete process.env[k];
    Object.assign(process.env, saved);
  }
  const o = program.opts();
  const command = program.args;
  if (!o.demo && command.length === 0) throw new UsageError('no server command given: mcp-proxy [options] -- <command> [args...] (or --demo)');
  if (!isLogLevel(o.logLevel)) throw new UsageError(`bad --log-level ${o.logLevel}`);
  if (o.oauthIssuer && o.authToken.length > 0) throw new UsageError('--auth-token and --oauth-issuer are exclusive: choose one protection');
  return {
    host: o.host, port: o.port, endpoint: o.endpoint.startsWith('/') ? o.endpoint : `/${o.endpoint}`,
    allowOrigin: o.allowOrigin, allowHost: o.allowHost, maxBody: o.maxBody, maxSessions: o.maxSessions,
    sessionTimeout: o.sessionTimeout, requestTimeout: o.requestTimeout, killGrace: o.killGrace,
    env: o.env, passEnv: o.passEnv !== false && o.passEnv !== 'false', cwd: o.cwd, shell: o.shell === true || o.shell === 'true',
    logLevel: o.logLevel, logFormat: o.logFormat, authToken: o.authToken,
    oauthIssuer: o.oauthIssuer, oauthAudience: o.oauthAudience, oauthJwksUri: o.oauthJwksUri, oauthScope: o.oauthScope,
    childEra: o.childEra, demo: o.demo === true || o.demo === 'true', command,
  };
}
