import type { IncomingMessage } from 'node:http';
import type { JsonRpcRequest } from '../../shared/jsonrpc.js';
import { headerValue } from './header-value.js';
import { refusal, type ProxyRefusal } from './refusals.js';

/** The body field the `Mcp-Name` header mirrors, per method. */
const NAME_SOURCE: Readonly<Record<string, 'name' | 'uri'>> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

const SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;

function header(req: IncomingMessage, name: string): string | undefined {
  return headerValue(req.headers, name)?.trim();
}

/** A header value with the spec's Base64 sentinel decoded; undefined when the sentinel is malformed. */
export function decodeHeaderValue(value: string): string | undefined {
  if (!value.startsWith('=?base64?')) return value;
  const m = SENTINEL.exec(value);
  if (!m || m[1]!.length % 4 !== 0) return undefined;
  return Buffer.from(m[1]!, 'base64').toString('utf8');
}

/**
 * The standard-header rung the SDK classifier leaves to the entry: `MCP-Protocol-Version` and
 * `Mcp-Method` must be present on a 2026-07-28 request, and `Mcp-Name` must be present and equal to
 * `params.name`/`params.uri` on tools/call, prompts/get and resources/read. (Value mismatches of the
 * first two are already rejected by `classifyInboundRequest`.) Returns the HEADER_MISMATCH refusal, or undefined.
 */
export function checkStandardHeaders(req: IncomingMessage, message: JsonRpcRequest): ProxyRefusal | undefined {
  const mismatch = (what: string, data: { header: string; body: string }): ProxyRefusal =>
    refusal('HEADER_MISMATCH', { detail: what, id: message.id, data: { mismatch: data } });
  if (header(req, 'mcp-protocol-version') === undefined) return mismatch('the required MCP-Protocol-Version header is absent', { header: '(missing)', body: 'protocol version' });
  if (header(req, 'mcp-method') === undefined) return mismatch(`the required Mcp-Method header is absent (body method ${message.method})`, { header: '(missing)', body: message.method });
  const field = NAME_SOURCE[message.method];
  const bodyValue = field ? message.params?.[field] : undefined;
  if (typeof bodyValue !== 'string') return undefined;
  const raw = header(req, 'mcp-name');
  if (raw === undefined) return mismatch(`the required Mcp-Name header is absent (body params.${field} is '${bodyValue}')`, { header: '(missing)', body: bodyValue });
  const decoded = decodeHeaderValue(raw);
  if (decoded === undefined) return mismatch('the Mcp-Name header carries an invalid Base64 sentinel', { header: raw, body: bodyValue });
  if (decoded !== bodyValue) return mismatch(`Mcp-Name header value '${decoded}' does not match body value '${bodyValue}'`, { header: raw, body: bodyValue });
  return undefined;
}
