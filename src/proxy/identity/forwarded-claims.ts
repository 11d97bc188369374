import type { ForwardedClaims } from '../proxy-options.js';

/** What the proxy forwards of the caller's authentication. */
export interface ClaimsForwarding {
  /** MCP_PROXY_SUB, MCP_PROXY_ISS, MCP_PROXY_SCOPES. */
  claims: boolean;
  /** MCP_PROXY_TOKEN: the raw bearer. */
  token: boolean;
}

/**
 * The child variables of the caller's claims. These names start with MCP_PROXY_, which the proxy strips
 * from what a child inherits and --header-to-env may not set, so only this function gives them a value.
 */
export function claimsEnv(claims: ForwardedClaims | undefined, forwarding: ClaimsForwarding): Record<string, string> {
  if (!claims) return {};
  const env: Record<string, string> = {};
  if (forwarding.claims) {
    env.MCP_PROXY_SUB = claims.sub;
    env.MCP_PROXY_ISS = claims.iss;
    env.MCP_PROXY_SCOPES = claims.scopes.join(' ');
  }
  if (forwarding.token) env.MCP_PROXY_TOKEN = claims.token;
  return env;
}
