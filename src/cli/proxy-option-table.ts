import { InvalidArgumentError } from 'commander';
import { PROXY_DEFAULTS, type HeaderToEnvSpec } from '../proxy/proxy-options.js';
import { parseHeaderToEnv } from '../proxy/identity/header-to-env.js';

/**
 * Every mcp-proxy option in one table: its flag, its environment variable, how a value is parsed and its
 * default. The command line, the environment, `.env`, `--help` and the tests all read this table, so an
 * option cannot exist without its variable.
 */

export type OptionKind = 'value' | 'list' | 'flag';

export interface ProxyOptionSpec {
  /** commander's attribute name (camelCase of the long flag). */
  key: string;
  flags: string;
  env: string;
  description: string;
  kind: OptionKind;
  /** Parses one value (for `list`, appends to the previous array). Throws InvalidArgumentError. */
  parse?: (value: string, previous?: unknown) => unknown;
  choices?: readonly string[];
  default?: unknown;
  /** How --help shows the default when the value itself is not readable (bytes). */
  defaultLabel?: string;
  /** A `--no-…` flag that sets this option to false. */
  negation?: string;
  /** Set but empty is refused (a protection that was asked for must never silently turn off). */
  refuseEmpty?: boolean;
}

const int = (name: string, min: number) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  return n;
};

const seconds = (name: string, allowZero = false) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (n === 0 && !allowZero)) {
    throw new InvalidArgumentError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of seconds, got ${JSON.stringify(value)}`);
  }
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

/** `KEY=VALUE` pairs (repeatable); one environment variable may hold several, one per line. */
export function collectEnv(value: string, previous: unknown = {}): Record<string, string> {
  const out = { ...(previous as Record<string, string>) };
  for (const item of value.split('\n').filter((s) => s.trim() !== '')) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`--env takes KEY=VALUE, got: ${item}`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** Repeatable and comma-separated values. */
export const collectList = (value: string, previous: unknown = []): string[] => [
  ...(previous as string[]),
  ...value.split(',').map((s) => s.trim()).filter(Boolean),
];

/** Repeatable secrets: an empty one is refused rather than dropped (it would turn protection off). */
const collectTokens = (value: string, previous: unknown = []): string[] => {
  const tokens = value.split(',').map((s) => s.trim());
  if (tokens.some((t) => t === '')) throw new InvalidArgumentError('an empty token would leave the proxy open: give a token, or unset it');
  return [...(previous as string[]), ...tokens];
};

/** `HEADER=VAR[!]` items (repeatable; comma-separated or one per line); two headers for one variable are refused. */
export function collectHeaderToEnv(value: string, previous: unknown = []): HeaderToEnvSpec[] {
  const out = [...(previous as HeaderToEnvSpec[])];
  for (const item of value.split(/[,\n]/).filter((s) => s.trim() !== '')) {
    const parsed = parseHeaderToEnv(item);
    if ('error' in parsed) throw new InvalidArgumentError(parsed.error);
    if (out.some((o) => o.variable === parsed.spec.variable)) throw new InvalidArgumentError(`--header-to-env: ${parsed.spec.variable} is given twice`);
    out.push(parsed.spec);
  }
  return out;
}

const redisUrl = (value: string): string => {
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') throw new InvalidArgumentError('--redis-url must be a redis:// or rediss:// URL');
  return value;
};

const httpUrl = (name: string) => (value: string): string => {
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new InvalidArgumentError(`${name} must be an http(s) URL of the MCP endpoint, got ${JSON.stringify(value)}`);
  return value;
};

const spec = (s: ProxyOptionSpec): ProxyOptionSpec => s;

export const PROXY_OPTIONS: readonly ProxyOptionSpec[] = [
  spec({ key: 'host', flags: '--host <host>', env: 'MCP_PROXY_HOST', kind: 'value', description: 'address to bind', default: PROXY_DEFAULTS.host }),
  spec({ key: 'port', flags: '-p, --port <port>', env: 'MCP_PROXY_PORT', kind: 'value', description: 'port to listen on (0 = any free port)', parse: int('--port', 0), default: PROXY_DEFAULTS.port }),
  spec({ key: 'endpoint', flags: '--endpoint <path>', env: 'MCP_PROXY_ENDPOINT', kind: 'value', description: 'path of the MCP endpoint', default: PROXY_DEFAULTS.endpoint }),
  spec({ key: 'allowOrigin', flags: '--allow-origin <origin>', env: 'MCP_PROXY_ALLOW_ORIGIN', kind: 'list', description: 'allow browser requests from this exact origin (repeatable, or comma-separated; * for any)', parse: collectList, default: [] }),
  spec({ key: 'allowHost', flags: '--allow-host <hostname>', env: 'MCP_PROXY_ALLOW_HOST', kind: 'list', description: 'extra Host name accepted while bound to loopback (repeatable)', parse: collectList, default: [] }),
  spec({ key: 'maxBody', flags: '--max-body <size>', env: 'MCP_PROXY_MAX_BODY', kind: 'value', description: 'largest request body (bytes, or 512kb, 4mb)', parse: parseSize, default: PROXY_DEFAULTS.maxBodyBytes, defaultLabel: '4mb' }),
  spec({ key: 'maxSessions', flags: '--max-sessions <n>', env: 'MCP_PROXY_MAX_SESSIONS', kind: 'value', description: 'most concurrent sessions (and stateless children)', parse: int('--max-sessions', 1), default: PROXY_DEFAULTS.maxSessions }),
  spec({ key: 'prewarm', flags: '--prewarm <n>', env: 'MCP_PROXY_PREWARM', kind: 'value', description: 'keep this many servers started and waiting for new sessions (counted in --max-sessions; never reused)', parse: int('--prewarm', 0), default: 0 }),
  spec({ key: 'sessionTimeout', flags: '--session-timeout <seconds>', env: 'MCP_PROXY_SESSION_TIMEOUT', kind: 'value', description: 'end a session after this long without client requests', parse: seconds('--session-timeout'), default: PROXY_DEFAULTS.sessionTimeoutMs / 1000 }),
  spec({ key: 'requestTimeout', flags: '--request-timeout <seconds>', env: 'MCP_PROXY_REQUEST_TIMEOUT', kind: 'value', description: 'fail a request the server has not answered in this long (progress resets it)', parse: seconds('--request-timeout'), default: PROXY_DEFAULTS.requestTimeoutMs / 1000 }),
  spec({ key: 'killGrace', flags: '--kill-grace <seconds>', env: 'MCP_PROXY_KILL_GRACE', kind: 'value', description: 'time between SIGTERM and SIGKILL when ending a child', parse: seconds('--kill-grace'), default: PROXY_DEFAULTS.killGraceMs / 1000 }),
  spec({ key: 'drainTimeout', flags: '--drain-timeout <seconds>', env: 'MCP_PROXY_DRAIN_TIMEOUT', kind: 'value', description: 'on SIGTERM/SIGINT, serve existing sessions (but take no new ones) for up to this long before ending them (0 = end at once)', parse: seconds('--drain-timeout', true), default: 30 }),
  spec({ key: 'startCheck', flags: '--start-check <seconds>', env: 'MCP_PROXY_START_CHECK', kind: 'value', description: 'at start, run the command once and fail if it exits within this long (0 = skip the check)', parse: seconds('--start-check', true), default: 1 }),
  spec({ key: 'env', flags: '--env <KEY=VALUE>', env: 'MCP_PROXY_ENV', kind: 'list', description: 'set a variable for the child (repeatable; one per line in the variable)', parse: collectEnv, default: {} }),
  spec({ key: 'passEnv', flags: '--pass-env', env: 'MCP_PROXY_PASS_ENV', kind: 'flag', description: 'pass the proxy\'s environment to the child (default; MCP_PROXY_* variables are never passed)', default: true, negation: '--no-pass-env' }),
  spec({ key: 'npxResolve', flags: '--npx-resolve', env: 'MCP_PROXY_NPX_RESOLVE', kind: 'flag', description: 'resolve an "npx [-y] pkg" command once at start to the installed bin and run that per session (default; falls back to npx)', default: true, negation: '--no-npx-resolve' }),
  spec({ key: 'cwd', flags: '--cwd <dir>', env: 'MCP_PROXY_CWD', kind: 'value', description: 'working directory of the child' }),
  spec({ key: 'shell', flags: '--shell', env: 'MCP_PROXY_SHELL', kind: 'flag', description: 'run the command through a shell (off: argv is executed directly)', default: false }),
  spec({ key: 'authToken', flags: '--auth-token <token>', env: 'MCP_PROXY_AUTH_TOKEN', kind: 'list', description: 'require Authorization: Bearer <token> (repeatable, or comma-separated)', parse: collectTokens, default: [], refuseEmpty: true }),
  spec({ key: 'oauthIssuer', flags: '--oauth-issuer <url>', env: 'MCP_PROXY_OAUTH_ISSUER', kind: 'value', description: 'require OAuth access tokens (JWT) from this issuer', refuseEmpty: true }),
  spec({ key: 'oauthAudience', flags: '--oauth-audience <uri>', env: 'MCP_PROXY_OAUTH_AUDIENCE', kind: 'value', description: 'expected token audience / RFC 8707 resource (default: the endpoint URL)' }),
  spec({ key: 'oauthJwksUri', flags: '--oauth-jwks-uri <url>', env: 'MCP_PROXY_OAUTH_JWKS_URI', kind: 'value', description: 'JWKS location (default: from the issuer\'s metadata)' }),
  spec({ key: 'oauthScope', flags: '--oauth-scope <scope>', env: 'MCP_PROXY_OAUTH_SCOPE', kind: 'list', description: 'scope every token must carry (repeatable)', parse: collectList, default: [] }),
  spec({ key: 'childEra', flags: '--child-era <era>', env: 'MCP_PROXY_CHILD_ERA', kind: 'value', description: 'protocol era of the child: auto, legacy (2025) or modern (2026-07-28)', choices: ['auto', 'legacy', 'modern'], default: 'auto' }),
  spec({ key: 'redisUrl', flags: '--redis-url <url>', env: 'MCP_PROXY_REDIS_URL', kind: 'value', description: 'run as one of several instances sharing this Redis (redis:// or rediss://): any instance serves any session (docs/scaling.md)', parse: redisUrl, refuseEmpty: true }),
  spec({ key: 'advertiseUrl', flags: '--advertise-url <url>', env: 'MCP_PROXY_ADVERTISE_URL', kind: 'value', description: 'with --redis-url: where the other instances reach this one\'s MCP endpoint (default: its listen URL)', parse: httpUrl('--advertise-url') }),
  spec({ key: 'clusterSecret', flags: '--cluster-secret <secret>', env: 'MCP_PROXY_CLUSTER_SECRET', kind: 'value', description: 'with --redis-url: the secret that authenticates requests forwarded between instances (default: one generated and kept in Redis)', refuseEmpty: true }),
  spec({ key: 'metrics', flags: '--metrics', env: 'MCP_PROXY_METRICS', kind: 'flag', description: 'serve Prometheus metrics at /metrics (no token needed, like /healthz)', default: false }),
  spec({ key: 'logLevel', flags: '--log-level <level>', env: 'MCP_PROXY_LOG_LEVEL', kind: 'value', description: 'error, warn, info or debug', choices: ['error', 'warn', 'info', 'debug'], default: 'info' }),
  spec({ key: 'logFormat', flags: '--log-format <format>', env: 'MCP_PROXY_LOG_FORMAT', kind: 'value', description: 'auto (text on a TTY, else JSON lines), json or text', choices: ['auto', 'json', 'text'], default: 'auto' }),
  spec({ key: 'demo', flags: '--demo', env: 'MCP_PROXY_DEMO', kind: 'flag', description: 'serve the bundled demo server (@modelcontextprotocol/server-everything)', default: false }),
  spec({ key: 'config', flags: '--config <file>', env: 'MCP_PROXY_CONFIG', kind: 'value', description: 'serve every server of this JSON file ({"mcpServers": {"<name>": {"command": …}}}), each at /servers/<name>/mcp; SIGHUP re-reads it (instead of a command)' }),
  spec({ key: 'headerToEnv', flags: '--header-to-env <HEADER=VAR>', env: 'MCP_PROXY_HEADER_TO_ENV', kind: 'list', description: 'put this request header of a session\'s first request into its child\'s environment; VAR! makes the header required (repeatable, or comma-separated / one per line)', parse: collectHeaderToEnv, default: [] }),
  spec({ key: 'forwardClaims', flags: '--forward-claims', env: 'MCP_PROXY_FORWARD_CLAIMS', kind: 'flag', description: 'with --auth-token or OAuth: give the child the caller\'s MCP_PROXY_SUB, MCP_PROXY_ISS and MCP_PROXY_SCOPES', default: false }),
  spec({ key: 'forwardToken', flags: '--forward-token', env: 'MCP_PROXY_FORWARD_TOKEN', kind: 'flag', description: 'with --auth-token or OAuth: give the child the caller\'s raw bearer token as MCP_PROXY_TOKEN', default: false }),
  spec({ key: 'allowTools', flags: '--allow-tools <globs>', env: 'MCP_PROXY_ALLOW_TOOLS', kind: 'list', description: 'show only the tools matching these globs (* and ?, case-sensitive; repeatable, or comma-separated)', parse: collectList, default: [] }),
  spec({ key: 'denyTools', flags: '--deny-tools <globs>', env: 'MCP_PROXY_DENY_TOOLS', kind: 'list', description: 'hide the tools matching these globs (wins over --allow-tools; repeatable, or comma-separated)', parse: collectList, default: [] }),
  spec({ key: 'isolation', flags: '--isolation <mode>', env: 'MCP_PROXY_ISOLATION', kind: 'value', description: 'session: one child per 2025-era session; principal: the sessions of one principal share one child (less memory, shared server state)', choices: ['session', 'principal'], default: 'session' }),
  spec({ key: 'sse', flags: '--sse', env: 'MCP_PROXY_SSE', kind: 'flag', description: 'serve the legacy HTTP+SSE transport for 2024-11-05 clients at --sse-endpoint and --messages-endpoint (default)', default: true, negation: '--no-sse' }),
  spec({ key: 'sseEndpoint', flags: '--sse-endpoint <path>', env: 'MCP_PROXY_SSE_ENDPOINT', kind: 'value', description: 'path of the legacy SSE stream (GET)', default: PROXY_DEFAULTS.sseEndpoint }),
  spec({ key: 'messagesEndpoint', flags: '--messages-endpoint <path>', env: 'MCP_PROXY_MESSAGES_ENDPOINT', kind: 'value', description: 'path where legacy SSE clients POST their messages', default: PROXY_DEFAULTS.messagesEndpoint }),
  spec({ key: 'eventStore', flags: '--event-store', env: 'MCP_PROXY_EVENT_STORE', kind: 'flag', description: 'keep each session\'s SSE events so a broken stream resumes with Last-Event-ID (default)', default: true, negation: '--no-event-store' }),
  spec({ key: 'eventStoreSize', flags: '--event-store-size <n>', env: 'MCP_PROXY_EVENT_STORE_SIZE', kind: 'value', description: 'most SSE events kept per session, over all its streams (oldest dropped first)', parse: int('--event-store-size', 1), default: PROXY_DEFAULTS.eventStoreSize }),
  spec({ key: 'eventStoreBytes', flags: '--event-store-bytes <size>', env: 'MCP_PROXY_EVENT_STORE_BYTES', kind: 'value', description: 'most bytes of SSE events kept per session (bytes, or 512kb, 8mb; oldest dropped first)', parse: parseSize, default: PROXY_DEFAULTS.eventStoreBytes, defaultLabel: '8mb' }),
  spec({ key: 'keepAlive', flags: '--keep-alive <seconds>', env: 'MCP_PROXY_KEEP_ALIVE', kind: 'value', description: 'send an SSE keep-alive comment on every open stream this often (0 = never)', parse: int('--keep-alive', 0), default: PROXY_DEFAULTS.keepAliveMs / 1000 }),
];
