import { SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { classifyRemoteFailure, isStreamSessionExpiry } from '../../src/client/remote-failure.js';
import { ClientError } from '../../src/shared/errors.js';

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
