/** Which scope to request. Pure; unit-tested. */

export interface ScopeInputs {
  /** The operator's --scope, when given. */
  configured?: string;
  /** `scope` from the server's WWW-Authenticate challenge. */
  challenge?: string;
  /** `scopes_supported` from the protected-resource metadata. */
  resourceScopes?: string[];
  /** Scopes already granted; kept on a step-up so a wider token does not lose them. */
  granted?: string;
}

function split(value: string | undefined): string[] {
  return value ? value.split(/\s+/).filter(Boolean) : [];
}

function union(...lists: string[][]): string[] {
  return [...new Set(lists.flat())];
}

/**
 * MCP 2025-11-25: the challenge's `scope` when present, else `scopes_supported`, else nothing. An explicit
 * --scope replaces the metadata default but never drops what a challenge demands. On step-up the granted
 * scopes are added so the new token is a superset.
 */
export function selectScope(input: ScopeInputs): string | undefined {
  const base = input.configured ? split(input.configured) : input.challenge ? [] : (input.resourceScopes ?? []);
  const scopes = union(base, split(input.challenge), split(input.granted));
  return scopes.length > 0 ? scopes.join(' ') : undefined;
}

/** True when every scope in `required` is in `granted`. */
export function scopeSatisfies(granted: string | undefined, required: string | undefined): boolean {
  const have = new Set(split(granted));
  return split(required).every((s) => have.has(s));
}
