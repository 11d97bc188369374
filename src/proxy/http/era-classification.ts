import { classifyInboundRequest, type InboundClassificationOutcome } from '@modelcontextprotocol/server';
import type { IncomingMessage } from 'node:http';
import { supportedVersions } from '../../relay/eras/supported-versions.js';
import { headerValue } from './header-value.js';
import { refusal, type ProxyRefusal } from './refusals.js';

/** Classifies a request into the 2025 era (sessions), the 2026-07-28 era (stateless), or a ladder rejection. */
export function classifyRequest(req: IncomingMessage, body: unknown): InboundClassificationOutcome {
  return classifyInboundRequest({
    httpMethod: (req.method ?? 'GET').toUpperCase(),
    protocolVersionHeader: headerValue(req.headers, 'mcp-protocol-version'),
    mcpMethodHeader: headerValue(req.headers, 'mcp-method'),
    mcpNameHeader: headerValue(req.headers, 'mcp-name'),
    ...(body !== undefined ? { body } : {}),
  });
}

/** The id to echo on an error about this body: its id when it is a single request, else null. */
export function echoId(body: unknown): string | number | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const id = (body as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

export function requestedVersion(req: IncomingMessage, body: unknown): string | undefined {
  const meta = (body as { params?: { _meta?: Record<string, unknown> } } | undefined)?.params?._meta;
  const fromBody = meta?.['io.modelcontextprotocol/protocolVersion'];
  return typeof fromBody === 'string' ? fromBody : headerValue(req.headers, 'mcp-protocol-version');
}

/**
 * The spec's answer to a request in a revision this endpoint does not serve: -32022 listing what it
 * does serve. An SDK client negotiating with `versionNegotiation: {mode: 'auto'}` falls back to the
 * 2025 `initialize` handshake when the list has no modern revision.
 */
export function unsupportedVersion(id: string | number | null, requested: string | undefined, modernServed = false): ProxyRefusal {
  return refusal('ERA_UNSUPPORTED', { detail: requested ?? 'unknown', id, data: { supported: supportedVersions(modernServed), requested } });
}
