import { loadEnvironment } from './client-env.js';

export type EnvMap = Readonly<Record<string, string | undefined>>;

export interface ProxyEnvironment {
  /** What options are read from: the process environment over `.env`. */
  settings: EnvMap;
  /** What a child inherits with --pass-env: the same, without any MCP_PROXY_* variable. */
  childBase: Record<string, string>;
  /** The `.env` file that was read, if any. */
  loaded?: string;
}

/**
 * The proxy's environment: `.env` in `cwd` under the real environment, which wins (read the way mcp-client
 * reads it, `loadEnvironment`). The proxy's own MCP_PROXY_* variables (an auth token among them) never
 * reach a child.
 */
export function readProxyEnvironment(processEnv: EnvMap, cwd: string): ProxyEnvironment {
  const { env: settings, loaded } = loadEnvironment(processEnv, cwd, undefined);
  const childBase: Record<string, string> = {};
  for (const [k, v] of Object.entries(settings)) if (v !== undefined && !k.startsWith('MCP_PROXY_')) childBase[k] = v;
  return { settings, childBase, ...(loaded ? { loaded } : {}) };
}
