import { ProxyError } from '../../shared/errors.js';

/** `${NAME}` or `${NAME:-default}`; anything else containing `$` is left as written. */
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** The proxy's own variables (an auth token among them) are never handed to a server, not even by a config file. */
const RESERVED_PREFIX = 'MCP_PROXY_';

/**
 * Expands `${VAR}` and `${VAR:-default}` in one string of the config file from `env` (the proxy's
 * environment as the CLI read it). Shell semantics for `:-`: the default applies when the variable is unset
 * or empty. An unset variable without a default, or a reference to an MCP_PROXY_* variable, is a
 * CONFIG_INVALID error naming the variable and `where` (file, entry and key). Pure.
 */
export function expandString(value: string, env: Readonly<Record<string, string | undefined>>, where: string): string {
  if (!value.includes('${')) return value;
  return value.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
    if (name.startsWith(RESERVED_PREFIX)) {
      throw new ProxyError('CONFIG_INVALID', `${where}: \${${name}} refers to one of the proxy's own MCP_PROXY_* variables, which are never given to a server`);
    }
    const set = env[name];
    if (fallback !== undefined) return set === undefined || set === '' ? fallback : set;
    if (set === undefined) throw new ProxyError('CONFIG_INVALID', `${where}: the variable ${name} is not set (set it, or write \${${name}:-default})`);
    return set;
  });
}
