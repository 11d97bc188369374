/** Which scope to request. Pure; unit-tested. */

export interface ScopeInputs {
  /** The operator's --scope, when given: replaces the selection. */
  configured?: string;
  /** `scope` from the server's WWW-Authenticate challenge (on a step-up: the challenged scope). */
  challenge?: string;
  /** `scopes_supported` from the protected-resource metadata. */
  resourceScopes?: string[];
  /** Step-up: the scopes already held, kept so the new token is a superset. */
  granted?: string;
  /** `scopes_supported` from the authorization-server metadata (decides `offline_access`). */
  serverScopes?: string[];
}

const OFFLINE = 'offline_access';

function split(value: string | undefined): string[] {
  return value ? value.split(/\s+/).filter(Boolean) : [];
}

function union(...lists: string[][]): string[] {
  return [...new Set(lists.flat())];
}

/**
 * The MCP scope selection strategy: the challenge's `scope` when present, else the protected-resource
 * metadata's `scopes_supported`, else no `scope` at all (never an empty or invented one). `--scope` replaces
 * that selection. A step-up asks for the union of the held and the challenged scopes. `offline_access` is
 * added when the authorization server lists it (MCP 2026-07-28, SEP-2207), so a refresh token is issued,
 * and removed when it does not; an explicit `--scope` is sent as given.
 */
export function selectScope(input: ScopeInputs): string | undefined {
  const stepUp = input.granted !== undefined;
  let scopes: string[];
  if (input.configured) {
    scopes = union(split(input.configured), stepUp ? split(input.challenge) : [], split(input.granted));
  } else {
    const base = input.challenge ? split(input.challenge) : (input.resourceScopes ?? []);
    scopes = union(base, split(input.granted));
    const offline = input.serverScopes?.includes(OFFLINE) === true;
    scopes = offline ? union(scopes, [OFFLINE]) : scopes.filter((s) => s !== OFFLINE);
  }
  return scopes.length > 0 ? scopes.join(' ') : undefined;
}

/** True when every scope in `required` is in `granted`. */
export function scopeSatisfies(granted: string | undefined, required: string | undefined): boolean {
  const have = new Set(split(granted));
  return split(required).every((s) => have.has(s));
}

/** Step-up: at most this many authorizations for one operation, then a clear error instead of a loop. */
export const MAX_AUTHORIZATION_ATTEMPTS = 3;
