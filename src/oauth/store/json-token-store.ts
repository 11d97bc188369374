/**
 * The default credential store: one JSON file per MCP server under `<configDir>/servers/`, mode 0600, written
 * atomically. A file that fails to parse or validate is reported by name and left untouched.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { OAuthFlowError } from '../../shared/errors.js';
import { readFileIfExists, writeFileAtomic } from './atomic-file.js';
import { emptyState, validateState, type CredentialState, type CredentialStore } from './credential-state.js';

/** A readable, collision-free file stem for a server URL: `host_port_path-<hash>`. */
export function serverKey(serverUrl: URL): string {
  const canonical = new URL(serverUrl.href);
  canonical.hash = '';
  const readable = `${canonical.hostname}_${canonical.port || (canonical.protocol === 'https:' ? '443' : '80')}${canonical.pathname}`
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/_+$/, '')
    .slice(0, 80);
  const hash = createHash('sha256').update(canonical.href).digest('hex').slice(0, 12);
  return `${readable}-${hash}`;
}

export function serverStorePaths(configDir: string, serverUrl: URL): { file: string; lock: string } {
  const stem = join(configDir, 'servers', serverKey(serverUrl));
  return { file: `${stem}.json`, lock: `${stem}.lock` };
}

export function createJsonTokenStore(configDir: string, serverUrl: URL): CredentialStore {
  const { file, lock } = serverStorePaths(configDir, serverUrl);
  return {
    location: file,
    lockPath: lock,
    async load() {
      const text = await readFileIfExists(file);
      if (text === undefined) return emptyState();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new OAuthFlowError('STORE_CORRUPT', `credentials file ${file} is not valid JSON; fix or remove it (then log in again)`, { cause: error });
      }
      const problem = validateState(parsed);
      if (problem) {
        throw new OAuthFlowError('STORE_CORRUPT', `credentials file ${file} is invalid (${problem}); fix or remove it (then log in again)`);
      }
      return parsed as CredentialState;
    },
    async save(state: CredentialState) {
      await writeFileAtomic(file, `${JSON.stringify({ ...state, server_url: serverUrl.href }, null, 2)}\n`);
    },
  };
}
