import { SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { classifyRemoteFailure, isStreamSessionExpiry, reasonFromBody, toUserError } from '../../../src/client/remote/remote-failure.js';
import { ClientError, OAuthFlowError } from '../../../src/shared/errors.js';

const http = (status: number, code = SdkErrorCode.ClientHttpNotImplemented): SdkHttpError => new SdkHttpError(code, `HTTP ${status}`, { status, statusText: '' });

describe('classifyRemoteFailure', () => {
  it('404 with a session is session expiry', () => {
    expect(classifyRemoteFailure(http(404), { hasSession: true, firstRequest: false }).kind).toBe('session-expired');
  });
  it('404/405 to the first request without a session means "not Streamable HTTP here"', () => {
    for (const status of [404, 405]) {
      const f = classifyRemoteFailure(http(status), { hasSession: false, firstRequest: true });
      expect(f).toMatchObject({ kind: 'not-streamable-http', status });
    }
    expect(classifyRemoteFailure(http(405), { hasSession: false, firstRequest: false }).kind).toBe('failed');
    expect(classifyRemoteFailure(http(400), { hasSession: false, firstRequest: true }).kind).toBe('failed');
  });
  it('a connection failure from our fetch is retryable; other typed errors are not', () => {
    expect(classifyRemoteFailure(new ClientError('CONNECT_FAILED', 'x'), { hasSession: true, firstRequest: false }).kind).toBe('unreachable');
    expect(classifyRemoteFailure(new ClientError('TIMEOUT', 'x'), { hasSession: true, firstRequest: false }).kind).toBe('failed');
    expect(classifyRemoteFailure(new ClientError('REQUEST_FAILED', 'x'), { hasSession: true, firstRequest: false }).kind).toBe('failed');
  });
  it('auth refusals and unknown errors fail the one message with a typed error', () => {
    const f = classifyRemoteFailure(http(401), { hasSession: true, firstRequest: false });
    expect(f.kind).toBe('failed');
    expect(f.error.code).toBe('HTTP_STATUS');
    expect(f.error.message).toContain('--bearer');
    expect(classifyRemoteFailure(new Error('boom'), { hasSession: false, firstRequest: true }).error.code).toBe('PROTOCOL_ERROR');
  });
  it('recognises a 404 on the event stream as session expiry', () => {
    expect(isStreamSessionExpiry(http(404, SdkErrorCode.ClientHttpFailedToOpenStream))).toBe(true);
    expect(isStreamSessionExpiry(http(500, SdkErrorCode.ClientHttpFailedToOpenStream))).toBe(false);
    expect(isStreamSessionExpiry(new SdkError(SdkErrorCode.ConnectionClosed, 'closed'))).toBe(false);
  });
});

describe('the server\'s reason and the boundary mapping', () => {
  it('reads a JSON-RPC error message or a short text body; never a page', () => {
    expect(reasonFromBody('{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"Too many sessions; retry later"}}')).toBe('Too many sessions; retry later');
    expect(reasonFromBody('{"error":"invalid_token"}')).toBe('invalid_token');
    expect(reasonFromBody('Service Unavailable')).toBe('Service Unavailable');
    expect(reasonFromBody('<html><body>502</body></html>')).toBeUndefined();
    expect(reasonFromBody('line one\nline two')).toBeUndefined();
    expect(reasonFromBody(undefined)).toBeUndefined();
  });
  it('an HTTP status keeps the reason', () => {
    const error = new SdkHttpError(SdkErrorCode.EraNegotiationFailed, 'Version negotiation failed: the server answered the probe with HTTP 503', { status: 503, statusText: '', text: '{"error":{"code":-32000,"message":"busy, retry later"}}' });
    expect(toUserError(error).message).toBe('remote answered HTTP 503: busy, retry later');
  });
  it('our own typed error inside an SDK wrapper comes out unchanged (an OAuth failure stays an OAuth failure)', () => {
    const oauth = new OAuthFlowError('DISCOVERY_FAILED', 'no authorization server metadata');
    const wrapped = new SdkError(SdkErrorCode.EraNegotiationFailed, 'Version negotiation probe failed: no authorization server metadata', { cause: oauth }, { cause: oauth });
    expect(toUserError(wrapped)).toBe(oauth);
    expect(classifyRemoteFailure(wrapped, { hasSession: false, firstRequest: true })).toEqual({ kind: 'failed', error: oauth });
    const unreachable = new ClientError('CONNECT_FAILED', 'cannot reach x');
    expect(classifyRemoteFailure(new Error('outer', { cause: unreachable }), { hasSession: false, firstRequest: true })).toEqual({ kind: 'unreachable', error: unreachable });
  });
  it('an unknown SDK negotiation error is described by what it wraps, not by the SDK step', () => {
    const wrapped = new SdkError(SdkErrorCode.EraNegotiationFailed, 'Version negotiation probe failed: bad bytes', { cause: new Error('bad bytes') }, { cause: new Error('bad bytes') });
    const error = toUserError(wrapped);
    expect(error.code).toBe('PROTOCOL_ERROR');
    expect(error.message).not.toMatch(/^Version negotiation/);
    expect(error.message).toContain('bad bytes');
  });
});
