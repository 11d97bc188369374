import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'dotenv';

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
 * The proxy's environment: `.env` in `cwd` (dotenv syntax) under the real environment, which wins. The
 * file is parsed, not loaded into process.env, so the order is explicit. The proxy's own MCP_PROXY_*
 * variables (an auth token among them) never reach a child.
 */
export function readProxyEnvironment(processEnv: EnvMap, cwd: string): ProxyEnvironment {
  const path = resolve(cwd, '.env');
  let fromFile: Record<string, string> = {};
  let loaded: string | undefined;
  try {
    fromFile = parse(readFileSync(path, 'utf8'));
    loaded = path;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
  }
  const settings: EnvMap = { ...fromFile, ...processEnv };
  const childBase: Record<string, string> = {};
  for (const [k, v] of Object.entries(settings)) if (v !== undefined && !k.startsWith('MCP_PROXY_')) childBase[k] = v;
  return { settings, childBase, ...(loaded ? { loaded } : {}) };
}
