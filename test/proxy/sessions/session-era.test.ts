import { describe, expect, it } from 'vitest';
import { LEGACY_PROTOCOL_VERSIONS } from '../../../src/relay/eras/protocol.js';
import { isModernOnlyRejection } from '../../../src/proxy/sessions/session-era.js';
import type { JsonRpcMessage } from '../../../src/shared/jsonrpc.js';

const rejection = (data: unknown, code = -32022): JsonRpcMessage => ({ jsonrpc: '2.0', id: 0, error: { code, message: 'Unsupported protocol version: 2025-11-25', data } });

describe('isModernOnlyRejection: when a 2025 session must go through the era adapter', () => {
  it('is true for -32022 offering only 2026-07-28 (what the SDK serveStdio answers with legacy: reject)', () => {
    expect(isModernOnlyRejection(rejection({ supported: ['2026-07-28'], requested: '2025-11-25' }))).toBe(true);
  });

  it('is true when newer revisions are offered beside 2026-07-28', () => {
    expect(isModernOnlyRejection(rejection({ supported: ['2027-01-01', '2026-07-28'] }))).toBe(true);
  });

  it('is false when any 2025-era revision is offered (the client may retry with it; relayed unchanged)', () => {
    for (const legacy of ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']) {
      expect(isModernOnlyRejection(rejection({ supported: ['2026-07-28', legacy] }))).toBe(false);
    }
    expect(isModernOnlyRejection(rejection({ supported: [...LEGACY_PROTOCOL_VERSIONS] }))).toBe(false);
  });

  it('is false when 2026-07-28 is not offered (the adapter could not speak to the child)', () => {
    expect(isModernOnlyRejection(rejection({ supported: ['2027-01-01'] }))).toBe(false);
    expect(isModernOnlyRejection(rejection({ supported: [] }))).toBe(false);
  });

  it('is false for other errors, malformed data and results', () => {
    expect(isModernOnlyRejection(rejection({ supported: ['2026-07-28'] }, -32602))).toBe(false);
    expect(isModernOnlyRejection(rejection(undefined))).toBe(false);
    expect(isModernOnlyRejection(rejection(null))).toBe(false);
    expect(isModernOnlyRejection(rejection('2026-07-28'))).toBe(false);
    expect(isModernOnlyRejection(rejection({ supported: '2026-07-28' }))).toBe(false);
    expect(isModernOnlyRejection({ jsonrpc: '2.0', id: 0, result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 's', version: '1' } } })).toBe(false);
    expect(isModernOnlyRejection({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } })).toBe(false);
  });

  it('takes the 2025-era list as a parameter', () => {
    expect(isModernOnlyRejection(rejection({ supported: ['2026-07-28', '2025-11-25'] }), ['2025-06-18'])).toBe(true);
  });
});
