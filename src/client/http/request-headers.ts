/**
 * Extra request headers from `--header "Name: value"` (with `${VAR}` expanded from the environment, so
 * secrets stay out of argv) and `--bearer`. Parsing is pure; `withHeaders` wraps a fetch.
 */

import { ClientError } from '../../shared/errors.js';
import type { FetchLike } from '../../shared/fetch-like.js';

export type EnvLookup = Readonly<Record<string, string | undefined>>;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FORBIDDEN = new Set(['host', 'content-length', 'mcp-session-id', 'mcp-protocol-version', 'content-type', 'transfer-encoding', 'connection']);

/** Replaces `${NAME}` with the variable's value; an unset variable is an error (never silently empty). */
export function expandEnvVars(value: string, env: EnvLookup): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) throw new ClientError('CONFIG_INVALID', `header refers to \${${name}}, which is not set in the environment or .env file`);
    return v;
  });
}

/** Parses one `Name: value` flag. The value is expanded; the error never echoes the value. */
export function parseHeaderFlag(flag: string, env: EnvLookup): [string, string] {
  const colon = flag.indexOf(':');
  if (colon <= 0) throw new ClientError('CONFIG_INVALID', 'a --header must look like "Name: value"');
  const name = flag.slice(0, colon).trim();
  if (!TOKEN.test(name)) throw new ClientError('CONFIG_INVALID', `invalid header name ${JSON.stringify(name)}`);
  if (FORBIDDEN.has(name.toLowerCase())) throw new ClientError('CONFIG_INVALID', `header ${name} is managed by mcp-client and cannot be set`);
  const value = expandEnvVars(flag.slice(colon + 1).trim(), env);
  if (/[\r\n\0]/.test(value)) throw new ClientError('CONFIG_INVALID', `header ${name} has a control character in its value`);
  return [name, value];
}

/** All static headers: each `--header`, then `Authorization: Bearer` from --bearer (which wins). */
export function buildStaticHeaders(flags: readonly string[], bearer: string | undefined, env: EnvLookup): Array<[string, string]> {
  const headers = flags.map((f) => parseHeaderFlag(f, env));
  if (bearer !== undefined && bearer !== '') {
    const token = expandEnvVars(bearer, env);
    return [...headers.filter(([n]) => n.toLowerCase() !== 'authorization'), ['Authorization', `Bearer ${token}`]];
  }
  return headers;
}

/** A fetch that adds `headers` to every request unless the request already sets that header. */
export function withHeaders(fetch: FetchLike, headers: ReadonlyArray<readonly [string, string]>): FetchLike {
  if (headers.length === 0) return fetch;
  return (url, init) => {
    const merged = new Headers(init?.headers);
    for (const [name, value] of headers) if (!merged.has(name)) merged.set(name, value);
    return fetch(url, { ...init, headers: merged });
  };
}
