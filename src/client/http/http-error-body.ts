import { SdkHttpError } from '@modelcontextprotocol/client';

import type { JsonRpcId, JsonRpcMessage } from '../../shared/jsonrpc.js';
import { isObject } from '../../shared/is-object.js';

/**
 * A 2026-07-28 server answers some JSON-RPC errors with an HTTP error status and the error as the body (-32601
 * with 404, for instance). The SDK transport delivers such a body only for 400; for the others this finds
 * the JSON-RPC error response for request `id` in the thrown SdkHttpError, so it can be relayed as the
 * answer it is. Pure: unit-tested.
 */
export function jsonRpcErrorAnswer(error: unknown, id: JsonRpcId): JsonRpcMessage | undefined {
  if (!(error instanceof SdkHttpError)) return undefined;
  const status = error.status;
  if (status < 400 || status >= 500) return undefined;
  const text = error.data.text;
  if (typeof text !== 'string' || text === '') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(body) || body.jsonrpc !== '2.0' || body.id !== id || !isObject(body.error) || typeof body.error.code !== 'number' || typeof body.error.message !== 'string') return undefined;
  return body as unknown as JsonRpcMessage;
}
