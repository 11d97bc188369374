import { isAbsolute, resolve } from 'node:path';
import { ProxyError } from '../../shared/errors.js';
import type { HeaderToEnvSpec, Isolation } from '../proxy-options.js';
import { expandString } from './config-expand.js';

/**
 * The servers file of `--config` (Claude-Desktop style: `{"mcpServers": {"<name>": {"command": …}}}`),
 * parsed and validated in one pass; every error is CONFIG_INVALID and names the file, the entry and the key.
 */

/** One server of the file, validated and with `${VAR}` expanded; absent keys take the command line's value. */
export interface ServerEntry {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  shell?: boolean;
  passEnv?: boolean;
  allowTools?: string[];
  denyTools?: string[];
  headerToEnv?: HeaderToEnvSpec[];
  isolation?: Isolation;
  maxSessions?: number;
  /** Seconds, as the flags take them. */
  sessionTimeout?: number;
  requestTimeout?: number;
}

export interface ConfigContext {
  /** Named in every error. */
  file: string;
  /** What `${VAR}` reads: the proxy's environment (without its MCP_PROXY_* variables). */
  env: Readonly<Record<string, string | undefined>>;
  /** A relative `cwd` is resolved against this (the file's directory). */
  baseDir: string;
}

/** Path-safe: the name is a URL segment (`/servers/<name>/mcp`). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** RFC 9110 token. */
const HEADER = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEYS = ['type', 'command', 'args', 'env', 'cwd', 'shell', 'passEnv', 'allowTools', 'denyTools', 'headerToEnv', 'isolation', 'maxSessions', 'sessionTimeout', 'requestTimeout'] as const;
const KNOWN: ReadonlySet<string> = new Set(KEYS);

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const shown = (v: unknown): string => JSON.stringify(v) ?? String(v);

function fail(where: string, message: string): never {
  throw new ProxyError('CONFIG_INVALID', `${where}: ${message}`);
}

/** Reads one entry's keys; `at(key)` is the place errors name. */
class EntryReader {
  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly prefix: string,
    private readonly ctx: ConfigContext,
  ) {}

  at(key: string): string {
    return `${this.prefix}.${key}`;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  string(key: string, value: unknown = this.raw[key], where = this.at(key)): string {
    if (typeof value !== 'string') fail(where, `must be a string, got ${shown(value)}`);
    return expandString(value, this.ctx.env, where);
  }

  strings(key: string, nonEmpty: boolean): string[] {
    const value = this.raw[key];
    if (!Array.isArray(value)) fail(this.at(key), `must be an array of strings, got ${shown(value)}`);
    return value.map((item, i) => {
      const s = this.string(key, item, `${this.at(key)}[${i}]`);
      if (nonEmpty && s === '') fail(`${this.at(key)}[${i}]`, 'must not be empty');
      return s;
    });
  }

  stringMap(key: string): Record<string, string> {
    const value = this.raw[key];
    if (!isPlainObject(value)) fail(this.at(key), `must be an object of strings, got ${shown(value)}`);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.string(key, v, `${this.at(key)}.${k}`);
    return out;
  }

  boolean(key: string): boolean {
    const value = this.raw[key];
    if (typeof value !== 'boolean') fail(this.at(key), `must be true or false, got ${shown(value)}`);
    return value;
  }

  number(key: string, integer: boolean): number {
    const value = this.raw[key];
    const ok = typeof value === 'number' && Number.isFinite(value) && value > 0 && (!integer || (Number.isInteger(value) && value >= 1));
    if (!ok) fail(this.at(key), `must be a ${integer ? 'whole number ≥ 1' : 'positive number of seconds'}, got ${shown(value)}`);
    return value;
  }
}

/** `{"X-Tenant": "TENANT"}`, a trailing `!` on the variable meaning required (as `--header-to-env` takes it). */
function headerToEnv(r: EntryReader): HeaderToEnvSpec[] {
  const specs: HeaderToEnvSpec[] = [];
  for (const [header, target] of Object.entries(r.stringMap('headerToEnv'))) {
    const where = `${r.at('headerToEnv')}.${header}`;
    if (!HEADER.test(header)) fail(where, 'is not a valid HTTP header name');
    const required = target.endsWith('!');
    const variable = required ? target.slice(0, -1) : target;
    if (!VARIABLE.test(variable)) fail(where, `must name an environment variable (letters, digits, _; a trailing ! for required), got ${shown(target)}`);
    if (variable.startsWith('MCP_PROXY_')) fail(where, `${variable}: MCP_PROXY_* variables are the proxy's own and cannot be set from a header`);
    specs.push({ header: header.toLowerCase(), variable, required });
  }
  return specs;
}

function parseEntry(name: string, raw: unknown, ctx: ConfigContext): ServerEntry {
  const prefix = `${ctx.file}: mcpServers.${name}`;
  if (!NAME.test(name)) fail(prefix, 'a server name must be 1-64 letters, digits, ".", "_" or "-" (it is a URL path segment), starting with a letter or digit');
  if (!isPlainObject(raw)) fail(prefix, `must be an object with a "command", got ${shown(raw)}`);
  for (const key of Object.keys(raw)) if (!KNOWN.has(key)) fail(`${prefix}.${key}`, `unknown key (known: ${KEYS.join(', ')})`);
  const r = new EntryReader(raw, prefix, ctx);
  if (r.has('type') && raw.type !== 'stdio') fail(r.at('type'), `only stdio servers can be served (a command the proxy runs), got ${shown(raw.type)}`);
  if (!r.has('command')) fail(r.at('command'), 'missing: every server needs the command to run');
  const command = r.string('command');
  if (command.trim() === '') fail(r.at('command'), 'must not be empty');
  const entry: ServerEntry = { name, command, args: r.has('args') ? r.strings('args', false) : [], env: r.has('env') ? r.stringMap('env') : {} };
  for (const k of Object.keys(entry.env)) if (!VARIABLE.test(k)) fail(`${r.at('env')}.${k}`, 'is not a valid environment variable name');
  if (r.has('cwd')) {
    const cwd = r.string('cwd');
    if (cwd === '') fail(r.at('cwd'), 'must not be empty');
    entry.cwd = isAbsolute(cwd) ? cwd : resolve(ctx.baseDir, cwd);
  }
  if (r.has('shell')) entry.shell = r.boolean('shell');
  if (r.has('passEnv')) entry.passEnv = r.boolean('passEnv');
  if (r.has('allowTools')) entry.allowTools = r.strings('allowTools', true);
  if (r.has('denyTools')) entry.denyTools = r.strings('denyTools', true);
  if (r.has('headerToEnv')) entry.headerToEnv = headerToEnv(r);
  if (r.has('isolation')) {
    const isolation = r.string('isolation');
    if (isolation !== 'session' && isolation !== 'principal') fail(r.at('isolation'), `must be "session" or "principal", got ${shown(isolation)}`);
    entry.isolation = isolation;
  }
  if (r.has('maxSessions')) entry.maxSessions = r.number('maxSessions', true);
  if (r.has('sessionTimeout')) entry.sessionTimeout = r.number('sessionTimeout', false);
  if (r.has('requestTimeout')) entry.requestTimeout = r.number('requestTimeout', false);
  return entry;
}

/** Parses the servers file's text: at least one server; unknown keys, bad values and unset variables refused. Pure. */
export function parseServersConfig(text: string, ctx: ConfigContext): ServerEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    fail(ctx.file, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isPlainObject(doc)) fail(ctx.file, 'must be a JSON object with "mcpServers"');
  for (const key of Object.keys(doc)) if (key !== 'mcpServers') fail(`${ctx.file}: ${key}`, 'unknown key (the file holds "mcpServers" only)');
  const servers = doc.mcpServers;
  if (!isPlainObject(servers)) fail(`${ctx.file}: mcpServers`, servers === undefined ? 'missing: the file must have "mcpServers": {"<name>": {"command": …}}' : `must be an object of servers, got ${shown(servers)}`);
  const names = Object.keys(servers);
  if (names.length === 0) fail(`${ctx.file}: mcpServers`, 'is empty: give at least one server');
  return names.map((name) => parseEntry(name, servers[name], ctx));
}
