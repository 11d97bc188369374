/**
 * Minimal JSON-RPC 2.0 shapes and builders used on the relay path. Deliberately structural and
 * allocation-light: the relay forwards messages as they came and only reads `id`, `method`,
 * `params._meta.progressToken` and `result`/`error` presence.
 */

import { isObject } from './is-object.js';

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown> & { _meta?: Record<string, unknown> };
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown> & { _meta?: Record<string, unknown> };
}

export interface JsonRpcResult {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result: Record<string, unknown>;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcErrorResponse {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: JsonRpcErrorObject;
}

export type JsonRpcResponse = JsonRpcResult | JsonRpcErrorResponse;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/** Implementation-defined server errors (-32000..-32099). */
export const SERVER_ERROR = -32000;
/** A 2025-era session id the server does not know (with HTTP 404): the SDK's and the spec examples' code. */
export const SESSION_NOT_FOUND = -32001;
/**
 * The proxy's own code for a request the MCP server did not answer in time. Distinct from every code
 * MCP assigns or SDKs use by convention (-32001 session not found, -32002 resource not found,
 * -32020..-32022 for 2026-07-28, -32042 URL elicitation), so a client can tell a timeout from a lost session.
 */
export const REQUEST_TIMEOUT = -32010;

export function isRequest(m: unknown): m is JsonRpcRequest {
  return isObject(m) && typeof m.method === 'string' && 'id' in m && m.id !== null && m.id !== undefined;
}

export function isNotification(m: unknown): m is JsonRpcNotification {
  return isObject(m) && typeof m.method === 'string' && !('id' in m);
}

export function isResponse(m: unknown): m is JsonRpcResponse {
  return isObject(m) && typeof m.method !== 'string' && ('result' in m || 'error' in m) && 'id' in m;
}

export function isErrorResponse(m: unknown): m is JsonRpcErrorResponse {
  return isResponse(m) && 'error' in m;
}

/** A JSON-RPC message of any kind, checked structurally. */
export function isMessage(m: unknown): m is JsonRpcMessage {
  return isObject(m) && m.jsonrpc === '2.0' && (typeof m.method === 'string' || isResponse(m));
}

export function errorResponse(id: JsonRpcId | null, code: number, message: string, data?: unknown): JsonRpcErrorResponse {
  const error: JsonRpcErrorObject = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: '2.0', id, error };
}

export function progressTokenOf(m: JsonRpcRequest | JsonRpcNotification): string | number | undefined {
  const token = m.params?._meta?.progressToken;
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
}
