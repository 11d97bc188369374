/** The per-server credential record and its validation (shared by the JSON and env-file stores). */
import type { TokenSet } from '../refresh-policy.js';
import { isObject } from '../../shared/is-object.js';

export type ClientSource = 'static' | 'metadata-document' | 'registered';

export interface StoredClient {
  client_id: string;
  client_secret?: string;
  token_endpoint_auth_method?: string;
  redirect_uris?: string[];
  registration_access_token?: string;
  registration_client_uri?: string;
  /** The issuer the client is registered at. */
  issuer?: string;
  /** Everything else the registration response carried (client_name, grant_types, …). */
  metadata?: Record<string, unknown>;
}

export interface StoredTokens extends TokenSet {
  /** The client these tokens were issued to; tokens of another client are ignored. */
  client_id?: string;
}

export interface CredentialState {
  version: 1;
  server_url?: string;
  issuer?: string;
  resource?: string;
  client?: StoredClient;
  tokens?: StoredTokens;
}

export interface CredentialStore {
  /** The file this store reads and writes, for messages. */
  readonly location: string;
  /** The lock file shared by every process using this store. */
  readonly lockPath: string;
  load(): Promise<CredentialState>;
  save(state: CredentialState): Promise<void>;
}

export function emptyState(): CredentialState {
  return { version: 1 };
}

function optionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

/** Returns a reason string when `value` is not a valid CredentialState, else undefined. */
export function validateState(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON object';
  if (value.version !== 1) return `unsupported version ${JSON.stringify(value.version)}`;
  for (const key of ['server_url', 'issuer', 'resource'] as const) {
    if (!optionalString(value[key])) return `"${key}" is not a string`;
  }
  if (value.client !== undefined) {
    const client = value.client;
    if (!isObject(client) || typeof client.client_id !== 'string') return '"client.client_id" is missing';
    if (client.redirect_uris !== undefined && !(Array.isArray(client.redirect_uris) && client.redirect_uris.every((u) => typeof u === 'string'))) {
      return '"client.redirect_uris" is not a list of strings';
    }
  }
  if (value.tokens !== undefined) {
    const tokens = value.tokens;
    if (!isObject(tokens) || typeof tokens.access_token !== 'string') return '"tokens.access_token" is missing';
    if (tokens.expires_at !== undefined && typeof tokens.expires_at !== 'number') return '"tokens.expires_at" is not a number';
    if (!optionalString(tokens.refresh_token)) return '"tokens.refresh_token" is not a string';
  }
  return undefined;
}
