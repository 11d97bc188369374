import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { describeError, ProxyError } from '../../shared/errors.js';
import { parseServersConfig, type ServerEntry } from './config-file.js';

/** Reads and parses the `--config` file; a missing or unreadable file is CONFIG_INVALID naming it. */
export async function loadServersConfig(path: string, cwd: string, env: Readonly<Record<string, string | undefined>>): Promise<ServerEntry[]> {
  const file = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ProxyError('CONFIG_INVALID', `${path}: cannot read the servers file (${describeError(cause)})`, { cause });
  }
  return parseServersConfig(text, { file: path, env, baseDir: dirname(file) });
}
