import { describe, expect, it } from 'vitest';
import { discoverVerdict, servesLegacyVerdict, type ProbeOutcome } from '../../../src/client/remote/remote-era-probe.js';
import { ClientError } from '../../../src/shared/errors.js';

const result = (r: unknown): ProbeOutcome => ({ kind: 'message', message: { jsonrpc: '2.0', id: 'p', result: r as Record<string, unknown> } });
const rpcError = (code: number, data?: unknown): ProbeOutcome => ({ kind: 'message', message: { jsonrpc: '2.0', id: 'p', error: { code, message: 'x', data } } });
const http = (status: number, body?: unknown): ProbeOutcome => ({ kind: 'http', status, text: body === undefined ? undefined : JSON.stringify(body) });
const era = (e: 'legacy' | 'modern') => ({ kind: 'era', era: e });

describe('discoverVerdict', () => {
  it('modern only when the answer offers 2026-07-28', () => {
    expect(discoverVerdict(result({ supportedVersions: ['2026-07-28'], capabilities: {} }))).toEqual(era('modern'));
    expect(discoverVerdict(result({ supportedVersions: ['2027-01-01'], capabilities: {} }))).toEqual(era('legacy'));
    expect(discoverVerdict(result({}))).toEqual(era('legacy'));
  });

  it('a JSON-RPC error or a 4xx (no such method, no session, no Streamable HTTP) means 2025-era', () => {
    expect(discoverVerdict(rpcError(-32601))).toEqual(era('legacy'));
    expect(discoverVerdict(rpcError(-32022, { supported: ['2025-11-25'] }))).toEqual(era('legacy'));
    expect(discoverVerdict(http(400, { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'no session' } }))).toEqual(era('legacy'));
    expect(discoverVerdict(http(404))).toEqual(era('legacy'));
    expect(discoverVerdict(http(405))).toEqual(era('legacy'));
  });

  it('refused credentials are fatal; 5xx and an unreachable remote are retried', () => {
    expect(discoverVerdict(http(401)).kind).toBe('fatal');
    expect(discoverVerdict(http(403)).kind).toBe('fatal');
    expect(discoverVerdict(http(503)).kind).toBe('retry');
    expect(discoverVerdict({ kind: 'failed', error: new ClientError('CONNECT_FAILED', 'refused') }).kind).toBe('retry');
    expect(discoverVerdict({ kind: 'failed', error: new ClientError('TIMEOUT', 'slow') }).kind).toBe('retry');
    expect(discoverVerdict({ kind: 'failed', error: new ClientError('REQUEST_FAILED', 'blocked port') }).kind).toBe('fatal');
  });
});

describe('servesLegacyVerdict', () => {
  it('only a -32022 naming no 2025 revision means modern-only', () => {
    expect(servesLegacyVerdict(http(400, { jsonrpc: '2.0', id: 'p', error: { code: -32022, message: 'x', data: { supported: ['2026-07-28'] } } }))).toEqual(era('modern'));
    expect(servesLegacyVerdict(rpcError(-32022, { supported: ['2026-07-28'] }))).toEqual(era('modern'));
  });

  it('a -32022 that still lists a 2025 revision, or without a list, is a 2025-capable server', () => {
    expect(servesLegacyVerdict(http(400, { jsonrpc: '2.0', id: 'p', error: { code: -32022, message: 'x', data: { supported: ['2026-07-28', '2025-11-25'] } } }))).toEqual(era('legacy'));
    expect(servesLegacyVerdict(http(400, { jsonrpc: '2.0', id: 'p', error: { code: -32022, message: 'x' } }))).toEqual(era('legacy'));
  });

  it('400 for the missing session, a stateless answer, 404/405 and unparsable bodies are 2025-capable', () => {
    expect(servesLegacyVerdict(http(400, { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Bad Request: Mcp-Session-Id header is required' } }))).toEqual(era('legacy'));
    expect(servesLegacyVerdict(http(200))).toEqual(era('legacy'));
    expect(servesLegacyVerdict(http(404))).toEqual(era('legacy'));
    expect(servesLegacyVerdict({ kind: 'http', status: 400, text: 'not json' })).toEqual(era('legacy'));
  });

  it('shares the credential and retry verdicts', () => {
    expect(servesLegacyVerdict(http(401)).kind).toBe('fatal');
    expect(servesLegacyVerdict(http(502)).kind).toBe('retry');
  });
});
