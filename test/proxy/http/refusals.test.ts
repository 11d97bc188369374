import { describe, expect, it } from 'vitest';
import { REFUSALS, refusal, refusalAnswer } from '../../../src/proxy/http/refusals.js';
import { isProxyError } from '../../../src/shared/errors.js';
import { REQUEST_TIMEOUT, SESSION_NOT_FOUND } from '../../../src/shared/jsonrpc.js';

describe('the refusal table', () => {
  it('answers a lost session with 404 and -32001, and a request timeout has a code of its own', () => {
    expect(REFUSALS.SESSION_NOT_FOUND).toMatchObject({ status: 404, rpcCode: -32001 });
    expect(SESSION_NOT_FOUND).toBe(-32001);
    expect(REQUEST_TIMEOUT).not.toBe(SESSION_NOT_FOUND);
    expect(REQUEST_TIMEOUT).toBeLessThanOrEqual(-32000);
    expect(REQUEST_TIMEOUT).toBeGreaterThanOrEqual(-32099);
    // No refusal shares the timeout's code: a client can tell the two apart.
    expect(Object.values(REFUSALS).map((r) => r.rpcCode)).not.toContain(REQUEST_TIMEOUT);
  });

  it('builds the answer from the table: status, code, message with its detail, headers over the request\'s', () => {
    const answer = refusalAnswer(refusal('SESSION_LIMIT', { detail: 7, id: 3 }), { 'Access-Control-Allow-Origin': 'https://a.example', 'Retry-After': '99' });
    expect(answer.status).toBe(503);
    expect(answer.headers).toEqual({ 'Access-Control-Allow-Origin': 'https://a.example', 'Retry-After': '5' });
    expect(answer.body).toEqual({ jsonrpc: '2.0', id: 3, error: { code: -32000, message: 'Too many sessions: the limit of 7 is reached; retry later' } });
  });

  it('carries data and defaults the id to null', () => {
    const answer = refusalAnswer(refusal('ERA_UNSUPPORTED', { detail: '2099-01-01', data: { supported: ['2025-11-25'] } }));
    expect(answer.body).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32022, message: 'Unsupported protocol version: 2099-01-01', data: { supported: ['2025-11-25'] } } });
  });

  it('is a typed ProxyError with the refusal code', () => {
    const refused = refusal('BODY_TOO_LARGE', { detail: 10 });
    expect(isProxyError(refused, 'BODY_TOO_LARGE')).toBe(true);
    expect(refused.message).toBe('Payload Too Large: the body exceeds 10 bytes');
    expect(refusalAnswer(refused).headers).toEqual({ Connection: 'close' });
  });

  it('gives every entry a status of 4xx/5xx and a JSON-RPC error code', () => {
    for (const [code, spec] of Object.entries(REFUSALS)) {
      expect(spec.status, code).toBeGreaterThanOrEqual(400);
      expect(spec.status, code).toBeLessThan(600);
      expect(Number.isInteger(spec.rpcCode), code).toBe(true);
    }
  });
});
