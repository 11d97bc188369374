/**
 * mcp-client's command line: commander parses argv into raw flags, then `resolveClientOptions` (pure)
 * merges them with the environment (`MCP_CLIENT_*`, `MCP_SERVER_URL`; `.env` already merged in by the
 * caller) into one typed options object. Flags beat environment variables, which beat defaults.
 */

import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ClientError } from '../shared/errors.js';
import { isLogLevel, type LogLevel } from '../shared/logger.js';
import type { ListKind } from '../client/commands/list-command.js';
import type { ProtocolMode } from '../client/routes/era-route.js';
import type { TransportMode } from '../client/remote/remote-channel.js';
import { OAUTH_ENV, registerOAuthOptions, type OAuthRawFlags } from './client-oauth.js';
import { flagOrEnvBoolean, type Env } from './flag-values.js';

export type ClientCommand = { kind: 'bridge' } | { kind: 'list'; what: ListKind } | { kind: 'call'; spec: string };

export interface ClientOptions {
  serverUrl: string;
  transport: TransportMode;
  protocol: ProtocolMode;
  headers: string[];
  bearer: string | undefined;
  allowHttp: boolean;
  timeoutMs: number;
  reconnectTimeoutMs: number;
  logLevel: LogLevel;
  json: boolean;
  command: ClientCommand;
  /** Remember each server's protocol era in the config directory (default on; --no-era-cache). */
  eraCache: boolean;
}

/** What commander hands back: only what was on the command line (the OAuth flags included). */
export interface RawFlags extends OAuthRawFlags {
  serverUrl?: string;
  transport?: string;
  protocol?: string;
  header?: string[];
  bearer?: string;
  allowHttp?: boolean;
  timeout?: string;
  reconnectTimeout?: string;
  logLevel?: string;
  json?: boolean;
  envFile?: string;
  listTools?: boolean;
  listResources?: boolean;
  listPrompts?: boolean;
  call?: string;
  eraCache?: boolean;
}

export type { Env } from './flag-values.js';

export const ENV = {
  serverUrl: 'MCP_SERVER_URL',
  transport: 'MCP_CLIENT_TRANSPORT',
  protocol: 'MCP_CLIENT_PROTOCOL',
  header: 'MCP_CLIENT_HEADERS',
  bearer: 'MCP_CLIENT_ACCESS_TOKEN',
  allowHttp: 'MCP_CLIENT_ALLOW_HTTP',
  timeout: 'MCP_CLIENT_TIMEOUT',
  reconnectTimeout: 'MCP_CLIENT_RECONNECT_TIMEOUT',
  logLevel: 'MCP_CLIENT_LOG_LEVEL',
  json: 'MCP_CLIENT_JSON',
  envFile: 'MCP_CLIENT_ENV_FILE',
  listTools: 'MCP_CLIENT_LIST_TOOLS',
  listResources: 'MCP_CLIENT_LIST_RESOURCES',
  listPrompts: 'MCP_CLIENT_LIST_PROMPTS',
  call: 'MCP_CLIENT_CALL',
  eraCache: 'MCP_CLIENT_ERA_CACHE',
} as const;

/**
 * Every option's environment variable, keyed by commander's attribute name (`--no-browser` is `browser`).
 * The env-table test enumerates buildProgram()'s options against this: a new option without a variable fails it.
 */
export const OPTION_ENV: Readonly<Record<string, string>> = (() => {
  const { serverUrl: _serverUrl, ...clientOptions } = ENV;
  const { noBrowser, noResource, ...oauthOptions } = OAUTH_ENV;
  return { ...clientOptions, ...oauthOptions, browser: noBrowser, resource: noResource };
})();

const EXAMPLES = `
Run it as npx -y -p mcp-bridge mcp-client https://…, or install it with npm i -g mcp-bridge
(plain "npx mcp-client" resolves an unrelated npm package of that name).

Examples:
  # stdio bridge for Claude Desktop:
  #   {"command": "npx", "args": ["-y", "-p", "mcp-bridge", "mcp-client", "https://mcp.example.com/mcp"]}
  mcp-client https://mcp.example.com/mcp
  mcp-client --bearer "$TOKEN" https://mcp.example.com/mcp    # a server that wants a static token
  mcp-client --header 'X-Api-Key: \${MY_API_KEY}' https://mcp.example.com/mcp

  # inspect and call (one-shot)
  mcp-client --list-tools https://mcp.example.com/mcp
  mcp-client --list-resources --json https://mcp.example.com/mcp
  mcp-client -c "echo message='hello world'" https://mcp.example.com/mcp
  mcp-client -c 'add {"a":1,"b":2}' https://mcp.example.com/mcp
  mcp-client -c "echo hi"                  # bare words fill the one required parameter
  mcp-client -c "tag items:='[1,2]'"       # key:=JSON passes a raw JSON value

  # MCP_SERVER_URL (and every MCP_CLIENT_* variable) may come from .env
  echo 'MCP_SERVER_URL=https://mcp.example.com/mcp' > .env && mcp-client --list-tools

Exit codes: 0 ok, 1 failure (or the tool returned isError), 2 bad usage or arguments.
Every flag has the environment variable named in its description (${ENV.serverUrl} for <server-url>).
Precedence: flag > environment > .env > default. Booleans take 1/0, true/false, yes/no, on/off.
`;

/** The installed package's version (package.json next to dist/). */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function buildProgram(): Command {
  const program = new Command('mcp-client')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .description('Bridge a local stdio MCP client to a remote Streamable HTTP (or legacy SSE) MCP server, or inspect and call it.')
    .argument('[server-url]', `remote MCP endpoint (env ${ENV.serverUrl})`)
    .addOption(new Option('--transport <mode>', `auto | http | sse (env ${ENV.transport}; default auto)`))
    .addOption(new Option('--protocol <era>', `auto | legacy | modern: the remote's MCP era, 2025 sessions or stateless 2026-07-28 (env ${ENV.protocol}; default auto, probed)`))
    .addOption(new Option('--no-era-cache', `probe the remote's era on every connect instead of remembering it for a day (env ${ENV.eraCache}=false)`))
    .addOption(
      new Option('-H, --header <header>', `extra request header "Name: value", repeatable; \${VAR} is expanded (env ${ENV.header}, one per line)`).argParser(
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      ),
    )
    .addOption(new Option('--bearer <token>', `send Authorization: Bearer <token> (env ${ENV.bearer})`))
    .addOption(new Option('--allow-http', `allow plain http to a non-loopback host (env ${ENV.allowHttp})`))
    .addOption(new Option('--timeout <seconds>', `connect/response-headers timeout (env ${ENV.timeout}; default 30)`))
    .addOption(new Option('--reconnect-timeout <seconds>', `how long to retry an unreachable remote (env ${ENV.reconnectTimeout}; default 60)`))
    .addOption(new Option('--log-level <level>', `error | warn | info | debug, to stderr (env ${ENV.logLevel}; default info)`))
    .addOption(new Option('--json', `machine-readable output on stdout (env ${ENV.json})`))
    .addOption(new Option('--env-file <path>', `dotenv file to load (env ${ENV.envFile}; default .env if present)`))
    .addOption(new Option('--list-tools', `list the server's tools and exit (env ${ENV.listTools})`))
    .addOption(new Option('--list-resources', `list the server's resources and exit (env ${ENV.listResources})`))
    .addOption(new Option('--list-prompts', `list the server's prompts and exit (env ${ENV.listPrompts})`))
    .addOption(new Option('-c, --call <spec>', `call a tool: "TOOL ARGS" and exit (env ${ENV.call})`));
  registerOAuthOptions(program);
  program
    .addHelpText('after', EXAMPLES)
    .helpOption('-h, --help', 'show this help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  return program;
}

export type ParsedArgv = { kind: 'flags'; flags: RawFlags } | { kind: 'help'; text: string } | { kind: 'usage-error'; message: string };

/** Parses argv (without node and script) with commander; never exits the process. */
export function parseArgv(args: readonly string[]): ParsedArgv {
  const program = buildProgram();
  let helpText = '';
  program.configureOutput({ writeOut: (s) => (helpText += s), writeErr: () => undefined });
  try {
    program.parse([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help') return { kind: 'help', text: helpText || program.helpInformation() };
      if (error.code === 'commander.version') return { kind: 'help', text: helpText || packageVersion() };
      return { kind: 'usage-error', message: error.message.replace(/^error: /, '') };
    }
    throw error;
  }
  const flags = program.opts<RawFlags>();
  return { kind: 'flags', flags: { ...flags, serverUrl: program.args[0] } };
}

function parseSeconds(name: string, value: string, allowZero: boolean): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new ClientError('CONFIG_INVALID', `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of seconds, got ${JSON.stringify(value)}`);
  }
  return Math.round(n * 1000);
}

function flagOrEnvBool(flag: boolean | undefined, env: Env, key: keyof typeof ENV): boolean {
  return flagOrEnvBoolean(ENV[key], flag, env[ENV[key]]);
}

function resolveCommand(flags: RawFlags, env: Env): ClientCommand {
  const commands: ClientCommand[] = [];
  if (flagOrEnvBool(flags.listTools, env, 'listTools')) commands.push({ kind: 'list', what: 'tools' });
  if (flagOrEnvBool(flags.listResources, env, 'listResources')) commands.push({ kind: 'list', what: 'resources' });
  if (flagOrEnvBool(flags.listPrompts, env, 'listPrompts')) commands.push({ kind: 'list', what: 'prompts' });
  // An empty -c is a mistake (an unset variable in a script), never a request for bridge mode; an empty
  // MCP_CLIENT_CALL counts as unset, like every other empty variable.
  if (flags.call !== undefined && flags.call.trim() === '') throw new ClientError('CONFIG_INVALID', '-c/--call needs a tool name and its arguments, e.g. -c "echo message=hi"');
  const call = flags.call ?? env[ENV.call];
  if (call !== undefined && call.trim() !== '') commands.push({ kind: 'call', spec: call });
  if (commands.length > 1) throw new ClientError('CONFIG_INVALID', 'use only one of --list-tools, --list-resources, --list-prompts, --call');
  return commands[0] ?? { kind: 'bridge' };
}

/** Pure: raw flags + environment → typed options. Throws ClientError('CONFIG_INVALID'). */
export function resolveClientOptions(flags: RawFlags, env: Env): ClientOptions {
  const serverUrl = flags.serverUrl ?? env[ENV.serverUrl];
  if (serverUrl === undefined || serverUrl === '') {
    throw new ClientError('CONFIG_INVALID', `no server URL: pass it as an argument or set ${ENV.serverUrl} (in the environment or .env)`);
  }
  const transport = flags.transport ?? env[ENV.transport] ?? 'auto';
  if (transport !== 'auto' && transport !== 'http' && transport !== 'sse') {
    throw new ClientError('CONFIG_INVALID', `--transport must be auto, http or sse, got ${JSON.stringify(transport)}`);
  }
  const protocol = flags.protocol ?? env[ENV.protocol] ?? 'auto';
  if (protocol !== 'auto' && protocol !== 'legacy' && protocol !== 'modern') {
    throw new ClientError('CONFIG_INVALID', `--protocol must be auto, legacy or modern, got ${JSON.stringify(protocol)}`);
  }
  if (protocol === 'modern' && transport === 'sse') throw new ClientError('CONFIG_INVALID', '--protocol modern needs Streamable HTTP; legacy SSE (--transport sse) is a 2025-era transport');
  const logLevel = flags.logLevel ?? env[ENV.logLevel] ?? 'info';
  if (!isLogLevel(logLevel)) throw new ClientError('CONFIG_INVALID', `--log-level must be error, warn, info or debug, got ${JSON.stringify(logLevel)}`);
  const envHeaders = (env[ENV.header] ?? '').split(/\r?\n|\\n/).map((h) => h.trim()).filter((h) => h !== '');
  return {
    serverUrl,
    transport,
    protocol,
    headers: flags.header ?? envHeaders,
    bearer: flags.bearer ?? (env[ENV.bearer] || undefined),
    allowHttp: flagOrEnvBool(flags.allowHttp, env, 'allowHttp'),
    timeoutMs: parseSeconds('--timeout', flags.timeout ?? env[ENV.timeout] ?? '30', false),
    reconnectTimeoutMs: parseSeconds('--reconnect-timeout', flags.reconnectTimeout ?? env[ENV.reconnectTimeout] ?? '60', true),
    logLevel,
    json: flagOrEnvBool(flags.json, env, 'json'),
    command: resolveCommand(flags, env),
    eraCache: flags.eraCache === false ? false : env[ENV.eraCache] === undefined || flagOrEnvBool(undefined, env, 'eraCache'),
  };
}
