import { METHOD_NOT_FOUND, type JsonRpcMessage } from '../../shared/jsonrpc.js';
import { MISSING_REQUIRED_CLIENT_CAPABILITY } from '../../relay/eras/protocol.js';

/**
 * The HTTP status of a 2026-07-28 exchange answered with a plain JSON response (no SSE stream started):
 * 404 for `-32601` (the revision maps method-not-found to 404, so a client can tell a modern endpoint
 * from a legacy one by it), whether the proxy refused the method at once or the child answered it later;
 * 400 for `-32021` (missing required client capability). Undefined: the SDK transport's own status
 * (200 for results and for every other error, which stays in-band).
 */
export function modernErrorStatus(message: JsonRpcMessage): number | undefined {
  if (!('error' in message) || 'method' in message) return undefined;
  if (message.error.code === METHOD_NOT_FOUND) return 404;
  if (message.error.code === MISSING_REQUIRED_CLIENT_CAPABILITY) return 400;
  return undefined;
}
