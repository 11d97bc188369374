import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http/web-bridge.js';
import type { EdgeAuthenticator, ForwardedClaims } from '../proxy-options.js';

/** Who called: the principal sessions are bound to (undefined = the one anonymous principal) and its claims. */
export interface Caller {
  principal: string | undefined;
  claims: ForwardedClaims | undefined;
}

/** The caller of a proxy without auth. */
export const ANONYMOUS: Caller = Object.freeze({ principal: undefined, claims: undefined });

/**
 * Authenticates one request at an edge (Streamable HTTP and legacy SSE alike). Without an authenticator
 * every caller is the anonymous principal. A refused request is answered here (401/403 with the
 * authenticator's headers) and gives undefined: the caller stops.
 */
export async function authenticateCaller(auth: EdgeAuthenticator | undefined, req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): Promise<Caller | undefined> {
  if (!auth) return ANONYMOUS;
  const result = await auth.authenticate(req);
  if (!result.ok) {
    sendJson(res, result.status, result.body, { ...cors, ...result.headers });
    return undefined;
  }
  return { principal: result.principal, claims: result.claims };
}
