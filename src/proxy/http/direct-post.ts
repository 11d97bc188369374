import type { IncomingMessage } from 'node:http';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import type { JsonRpcNotification, JsonRpcRequest } from '../../shared/jsonrpc.js';
import { isObject } from '../../shared/is-object.js';

/**
 * Which in-session POSTs the proxy may answer itself, without the SDK transport (the hot path, see
 * session.ts). The rule is one-sided on purpose: a POST is *direct* only when the SDK would accept it
 * as it stands, and every other POST — a refused Accept or protocol version, a batch, a body the SDK's
 * JSON-RPC schema rejects or would rewrite, an `initialize`, a 2026-07-28 envelope claim — takes the
 * SDK path, which gives its exact answer. So the checks below are acceptance conditions, not a second
 * implementation of the SDK's error answers:
 * - of `WebStandardStreamableHTTPServerTransport.handlePostRequest` (@modelcontextprotocol/server 2.x)
 *   for a POST of an initialized session;
 * - of `classifyInboundRequest` for the 2025 era: a single request or notification whose params carry
 *   no envelope claim, under an absent or 2025-era `Mcp-Protocol-Version`, is legacy whatever its
 *   `Mcp-Method`/`Mcp-Name` headers say, so http-server does not run the classifier on a direct POST.
 *
 * Settled elsewhere: Content-Type (415, http-server, before this), the session id (http-server looks
 * the session up by it; the session checks that its transport went through initialize). Not configured
 * on the proxy's transports: DNS-rebinding checks (done at the edge), scope challenges. The event store
 * (session-event-store.ts) is shared: the direct path writes the same ids and priming event.
 */

/** The versions the session's SDK transport accepts in `Mcp-Protocol-Version` (it is given this list). */
export const TRANSPORT_PROTOCOL_VERSIONS: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;

export type DirectPost = { kind: 'request'; message: JsonRpcRequest } | { kind: 'notification'; message: JsonRpcNotification };

/**
 * The message of a POST the proxy can serve directly, or undefined when the SDK transport must see it.
 * `body` is the parsed JSON body.
 */
export function directPost(req: IncomingMessage, body: unknown): DirectPost | undefined {
  const accept = req.headers.accept;
  // The transport's test, verbatim: both media types appear somewhere in Accept.
  if (accept === undefined || !accept.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
  const version = req.headers['mcp-protocol-version'];
  if (version !== undefined && !TRANSPORT_PROTOCOL_VERSIONS.includes(version as string)) return undefined;
  return directMessage(body);
}

/**
 * The `Last-Event-ID` of a GET the SDK transport would accept as it stands (Accept lists
 * text/event-stream, the protocol version is absent or supported), else undefined. The session
 * resumes such a GET itself when the id is one of its direct streams (direct-sse.ts).
 */
export function resumptionOf(req: IncomingMessage): string | undefined {
  const lastEventId = req.headers['last-event-id'];
  if (typeof lastEventId !== 'string' || !req.headers.accept?.includes('text/event-stream')) return undefined;
  const version = req.headers['mcp-protocol-version'];
  return version === undefined || TRANSPORT_PROTOCOL_VERSIONS.includes(version as string) ? lastEventId : undefined;
}

/**
 * A single JSON-RPC request or notification exactly as the SDK's `JSONRPCMessageSchema` accepts it
 * *and returns it unchanged*: no key beyond the schema's (the message schemas are strict), `jsonrpc`
 * "2.0", an id that is a string or a safe integer, a string method other than `initialize`, and
 * `params`, when present, an object whose `_meta`, when present, is an object with a valid
 * `progressToken` and no related-task entry (that one is a non-loose object the schema would strip).
 */
export function directMessage(body: unknown): DirectPost | undefined {
  if (!isObject(body)) return undefined;
  let hasId = false;
  for (const key in body) {
    if (key === 'id') hasId = true;
    else if (key !== 'jsonrpc' && key !== 'method' && key !== 'params') return undefined;
  }
  if (body.jsonrpc !== '2.0' || typeof body.method !== 'string' || body.method === 'initialize') return undefined;
  if ('params' in body && !validParams(body.params)) return undefined;
  if (!hasId) return { kind: 'notification', message: body as unknown as JsonRpcNotification };
  if (!isId(body.id)) return undefined;
  return { kind: 'request', message: body as unknown as JsonRpcRequest };
}

const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';

function validParams(params: unknown): boolean {
  if (!isObject(params)) return false;
  if (!('_meta' in params)) return true;
  const meta = params._meta;
  if (!isObject(meta)) return false;
  if ('io.modelcontextprotocol/related-task' in meta) return false;
  // The 2026-07-28 envelope claim: the era classifier must see such a message.
  if (PROTOCOL_VERSION_META_KEY in meta) return false;
  return !('progressToken' in meta) || isId(meta.progressToken);
}

function isId(value: unknown): boolean {
  return typeof value === 'string' || Number.isSafeInteger(value);
}

