/**
 * The environment mcp-client sees: the process environment over the `.env` file (dotenv syntax). The
 * file is parsed, not loaded into process.env, so the merge order is explicit: real environment wins.
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'dotenv';
import { ClientError } from '../shared/errors.js';
import type { Env } from './client-options.js';

export interface EnvFileResult {
  env: Env;
  /** The file that was read, if any. */
  loaded?: string;
}

/**
 * Reads `path` (default `.env` in `cwd`). A missing default file is fine; a missing file the user named
 * explicitly is an error that names the file.
 */
export function loadEnvironment(processEnv: Env, cwd: string, explicitPath: string | undefined): EnvFileResult {
  const path = resolve(cwd, explicitPath ?? '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (explicitPath === undefined && code === 'ENOENT') return { env: processEnv };
    throw new ClientError('CONFIG_INVALID', `cannot read env file ${path} (${typeof code === 'string' ? code : 'error'})`, { cause: error });
  }
  const fromFile = parse(text);
  return { env: { ...fromFile, ...processEnv }, loaded: path };
}
