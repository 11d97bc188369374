/**
 * The OAuth request flags mcp-remote users reach for, in one block: --authorize-param key=value (repeatable)
 * and --no-resource, each with an MCP_CLIENT_* variable. (--scope and --logout live with the other OAuth flags.)
 */
import { Option, type Command } from 'commander';
import { FLOW_OWNED_PARAMS } from '../oauth/options.js';
import { ClientError } from '../shared/errors.js';
import { flagOrEnvBoolean, type Env } from './flag-values.js';

export const REQUEST_ENV = {
  authorizeParam: 'MCP_CLIENT_AUTHORIZE_PARAMS',
  noResource: 'MCP_CLIENT_NO_RESOURCE',
} as const;

export interface RequestRawFlags {
  authorizeParam?: string[];
  /** commander's --no-resource: false when given. */
  resource?: boolean;
}

export interface RequestOptions {
  authorizeParams?: Record<string, string>;
  /** False with --no-resource. */
  resource: boolean;
}

export function registerRequestOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--authorize-param <key=value>', `extra authorization request parameter, repeatable, e.g. prompt=consent (env ${REQUEST_ENV.authorizeParam}, one per line)`).argParser(
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      ),
    )
    .addOption(new Option('--no-resource', `do not send the RFC 8707 resource parameter, for authorization servers that reject it (env ${REQUEST_ENV.noResource})`));
}

/** Pure: `key=value` strings → parameters. Refuses malformed pairs and the parameters the flow sets itself. */
export function parseAuthorizeParams(pairs: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq).trim() : '';
    if (!key) throw new ClientError('CONFIG_INVALID', `--authorize-param expects key=value, got ${JSON.stringify(pair)}`);
    if (FLOW_OWNED_PARAMS.has(key)) throw new ClientError('CONFIG_INVALID', `--authorize-param cannot set "${key}"; the flow sets it${key === 'scope' ? ' (use --scope)' : key === 'resource' ? ' (use --no-resource to leave it out)' : ''}`);
    params[key] = pair.slice(eq + 1);
  }
  return params;
}

export function resolveRequestOptions(flags: RequestRawFlags, env: Env): RequestOptions {
  const fromEnv = (env[REQUEST_ENV.authorizeParam] ?? '').split(/\r?\n|\\n/).map((p) => p.trim()).filter((p) => p !== '');
  const pairs = flags.authorizeParam ?? fromEnv;
  const options: RequestOptions = { resource: flags.resource === false ? false : !flagOrEnvBoolean(REQUEST_ENV.noResource, undefined, env[REQUEST_ENV.noResource]) };
  if (pairs.length > 0) options.authorizeParams = parseAuthorizeParams(pairs);
  return options;
}
