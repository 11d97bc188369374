/**
 * Env-file credentials mode, compatible with the Python client this project succeeds: the client and tokens
 * live as MCP_CLIENT_* lines in a dotenv file. Saving rewrites only those lines and keeps every other line
 * (comments, other variables, order) as it was. The dotenv parser is injected: only src/cli imports dotenv.
 */
import { OAuthFlowError } from '../../shared/errors.js';
import { readFileIfExists, writeFileAtomic } from './atomic-file.js';
import { emptyState, type CredentialState, type CredentialStore } from './credential-state.js';

export type EnvParser = (text: string) => Record<string, string>;

export const ENV_KEYS = {
  clientId: 'MCP_CLIENT_ID',
  clientSecret: 'MCP_CLIENT_SECRET',
  accessToken: 'MCP_CLIENT_ACCESS_TOKEN',
  refreshToken: 'MCP_CLIENT_REFRESH_TOKEN',
  registrationToken: 'MCP_CLIENT_REGISTRATION_TOKEN',
  registrationUri: 'MCP_CLIENT_REGISTRATION_URI',
  /** Extension (not read by the Python client): epoch ms, enables proactive refresh. */
  expiresAt: 'MCP_CLIENT_TOKEN_EXPIRES_AT',
} as const;

const MANAGED = new Set<string>(Object.values(ENV_KEYS));

export function stateFromEnv(vars: Record<string, string>): CredentialState {
  const state = emptyState();
  const get = (key: string): string | undefined => (vars[key] ? vars[key] : undefined);
  const clientId = get(ENV_KEYS.clientId);
  if (clientId) {
    state.client = { client_id: clientId };
    const secret = get(ENV_KEYS.clientSecret);
    if (secret) state.client.client_secret = secret;
    const regToken = get(ENV_KEYS.registrationToken);
    if (regToken) state.client.registration_access_token = regToken;
    const regUri = get(ENV_KEYS.registrationUri);
    if (regUri) state.client.registration_client_uri = regUri;
  }
  const access = get(ENV_KEYS.accessToken);
  if (access) {
    state.tokens = { access_token: access, token_type: 'Bearer' };
    const refresh = get(ENV_KEYS.refreshToken);
    if (refresh) state.tokens.refresh_token = refresh;
    const expires = Number(get(ENV_KEYS.expiresAt));
    if (Number.isFinite(expires) && expires > 0) state.tokens.expires_at = expires;
    if (clientId) state.tokens.client_id = clientId;
  }
  return state;
}

export function envFromState(state: CredentialState): Record<string, string | undefined> {
  return {
    [ENV_KEYS.clientId]: state.client?.client_id,
    [ENV_KEYS.clientSecret]: state.client?.client_secret,
    [ENV_KEYS.registrationToken]: state.client?.registration_access_token,
    [ENV_KEYS.registrationUri]: state.client?.registration_client_uri,
    [ENV_KEYS.accessToken]: state.tokens?.access_token,
    [ENV_KEYS.refreshToken]: state.tokens?.refresh_token,
    [ENV_KEYS.expiresAt]: state.tokens?.expires_at !== undefined ? String(state.tokens.expires_at) : undefined,
  };
}

function formatValue(value: string): string {
  return /^[A-Za-z0-9._~+/=:@%-]*$/.test(value) ? value : JSON.stringify(value);
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;

/** Replaces, removes or appends the managed keys in `text`; every other line is kept byte for byte. */
export function rewriteEnvText(text: string, values: Record<string, string | undefined>): string {
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  const written = new Set<string>();
  const out: string[] = [];
  for (const line of lines) {
    const key = ASSIGNMENT.exec(line)?.[1];
    if (key === undefined || !MANAGED.has(key)) {
      out.push(line);
      continue;
    }
    const value = values[key];
    if (value === undefined || written.has(key)) continue;
    out.push(`${key}=${formatValue(value)}`);
    written.add(key);
  }
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && !written.has(key)) out.push(`${key}=${formatValue(value)}`);
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

export function createEnvFileStore(file: string, parse: EnvParser): CredentialStore {
  return {
    location: file,
    lockPath: `${file}.lock`,
    async load() {
      const text = await readFileIfExists(file);
      if (text === undefined) return emptyState();
      let vars: Record<string, string>;
      try {
        vars = parse(text);
      } catch (error) {
        throw new OAuthFlowError('STORE_CORRUPT', `env file ${file} cannot be parsed; fix it or remove the MCP_CLIENT_* lines`, { cause: error });
      }
      return stateFromEnv(vars);
    },
    async save(state: CredentialState) {
      const text = (await readFileIfExists(file)) ?? '';
      await writeFileAtomic(file, rewriteEnvText(text, envFromState(state)));
    },
  };
}
