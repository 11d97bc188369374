import { describe, expect, it } from 'vitest';
import { localEraOf, remoteEraSetting, routeFor } from '../../../src/client/routes/era-route.js';
import { negotiationFor } from '../../../src/client/remote/connect-client.js';

const env = (version: string): Record<string, unknown> => ({ _meta: { 'io.modelcontextprotocol/protocolVersion': version, 'io.modelcontextprotocol/clientCapabilities': {} } });

describe('localEraOf', () => {
  it('initialize is a 2025 client; an envelope naming 2026-07-28 (or later) is a modern one', () => {
    expect(localEraOf({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25' } })).toBe('legacy');
    expect(localEraOf({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: env('2026-07-28') })).toBe('modern');
    expect(localEraOf({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: env('2027-01-01') })).toBe('modern');
  });

  it('anything else (no envelope, an older revision in it, a notification first) is treated as 2025', () => {
    expect(localEraOf({ jsonrpc: '2.0', id: 1, method: 'ping' })).toBe('legacy');
    expect(localEraOf({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: env('2025-11-25') })).toBe('legacy');
    expect(localEraOf({ jsonrpc: '2.0', method: 'notifications/initialized' })).toBe('legacy');
    expect(localEraOf({ jsonrpc: '2.0', id: 1, result: {} })).toBe('legacy');
  });
});

describe('remoteEraSetting', () => {
  it('auto probes with the question that matters for the local era', () => {
    expect(remoteEraSetting('modern', 'auto', 'auto')).toEqual({ probe: 'discover' });
    expect(remoteEraSetting('legacy', 'auto', 'http')).toEqual({ probe: 'serves-legacy' });
  });

  it('--protocol settles it without a probe; legacy SSE is always 2025-era', () => {
    expect(remoteEraSetting('modern', 'legacy', 'auto')).toEqual({ era: 'legacy' });
    expect(remoteEraSetting('legacy', 'modern', 'http')).toEqual({ era: 'modern' });
    expect(remoteEraSetting('modern', 'auto', 'sse')).toEqual({ era: 'legacy' });
  });
});

describe('routeFor', () => {
  it('adapts only when the eras differ', () => {
    expect(routeFor('legacy', 'legacy')).toBe('legacy');
    expect(routeFor('modern', 'modern')).toBe('modern');
    expect(routeFor('modern', 'legacy')).toBe('modern-on-legacy');
    expect(routeFor('legacy', 'modern')).toBe('legacy-on-modern');
  });
});

describe('negotiationFor (shell commands)', () => {
  it('maps --protocol to the SDK client version negotiation', () => {
    expect(negotiationFor('auto', 'http')).toBe('auto');
    expect(negotiationFor('modern', 'http')).toEqual({ pin: '2026-07-28' });
    expect(negotiationFor('legacy', 'http')).toBe('legacy');
    expect(negotiationFor('auto', 'sse')).toBe('legacy');
  });
});
