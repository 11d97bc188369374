import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/client';
import type { JsonRpcMessage, JsonRpcRequest } from '../../shared/jsonrpc.js';
import { isObject } from '../../shared/is-object.js';

/** The stateless revision; the only modern one this project speaks. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** The 2025-era revisions (initialize handshake), newest first. */
export const LEGACY_PROTOCOL_VERSIONS: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v < MODERN_PROTOCOL_VERSION);

/** The JSON-RPC error code of the 2026-07-28 revision for an unsupported protocol version. */
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

/** The 2026-07-28 error for a request whose processing needs a client capability it did not declare (HTTP 400). */
export const MISSING_REQUIRED_CLIENT_CAPABILITY = -32021;

/** Whether a revision belongs to the stateless (2026-07-28 and later) era. */
export function isModernVersion(version: unknown): boolean {
  return typeof version === 'string' && version >= MODERN_PROTOCOL_VERSION;
}

export const PROTOCOL_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
export const CLIENT_INFO_KEY = 'io.modelcontextprotocol/clientInfo';
export const CLIENT_CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';
export const SERVER_INFO_KEY = 'io.modelcontextprotocol/serverInfo';
export const SUBSCRIPTION_ID_KEY = 'io.modelcontextprotocol/subscriptionId';
export const LOG_LEVEL_KEY = 'io.modelcontextprotocol/logLevel';

export type JsonObject = Record<string, unknown>;

/** The per-request `_meta` envelope of the 2026-07-28 revision. */
export interface Envelope {
  protocolVersion: string;
  clientInfo?: JsonObject;
  clientCapabilities: JsonObject;
  logLevel?: string;
}

export function metaOf(params: unknown): JsonObject | undefined {
  const meta = isObject(params) ? params._meta : undefined;
  return isObject(meta) ? meta : undefined;
}

/** The envelope a request carries, or undefined when it names no protocol version. */
export function readEnvelope(params: unknown): Envelope | undefined {
  const meta = metaOf(params);
  const version = meta?.[PROTOCOL_VERSION_KEY];
  if (!meta || typeof version !== 'string') return undefined;
  const info = meta[CLIENT_INFO_KEY];
  const caps = meta[CLIENT_CAPABILITIES_KEY];
  const level = meta[LOG_LEVEL_KEY];
  return {
    protocolVersion: version,
    clientCapabilities: isObject(caps) ? caps : {},
    ...(isObject(info) ? { clientInfo: info } : {}),
    ...(typeof level === 'string' ? { logLevel: level } : {}),
  };
}

/** A copy of the request carrying the envelope; keys the request already has in `_meta` win. */
export function withEnvelope(request: JsonRpcRequest, envelope: Envelope): JsonRpcRequest {
  const meta: JsonObject = {
    [PROTOCOL_VERSION_KEY]: envelope.protocolVersion,
    [CLIENT_CAPABILITIES_KEY]: envelope.clientCapabilities,
    ...(envelope.clientInfo ? { [CLIENT_INFO_KEY]: envelope.clientInfo } : {}),
    ...(envelope.logLevel ? { [LOG_LEVEL_KEY]: envelope.logLevel } : {}),
    ...metaOf(request.params),
  };
  return { ...request, params: { ...request.params, _meta: meta } };
}

/** A copy of `params` whose `_meta` is `meta` (or has no `_meta` when `meta` is empty). */
export function withMeta(params: JsonObject | undefined, meta: JsonObject): JsonObject {
  const { _meta: _dropped, ...rest } = params ?? {};
  return Object.keys(meta).length > 0 ? { ...rest, _meta: meta } : rest;
}

const ENVELOPE_KEYS: readonly string[] = [PROTOCOL_VERSION_KEY, CLIENT_INFO_KEY, CLIENT_CAPABILITIES_KEY, LOG_LEVEL_KEY];

/**
 * The message without the envelope keys in `params._meta`, for a 2025-era peer behind HTTP: there the
 * envelope is not ignorable, because a dual-era server classifies an enveloped request as 2026-07-28.
 */
export function withoutEnvelope(message: JsonRpcMessage): JsonRpcMessage {
  if (!('method' in message)) return message;
  const meta = metaOf(message.params);
  if (!meta || !ENVELOPE_KEYS.some((k) => k in meta)) return message;
  const rest = Object.fromEntries(Object.entries(meta).filter(([k]) => !ENVELOPE_KEYS.includes(k)));
  return { ...message, params: withMeta(message.params, rest) };
}
