import { describe, expect, it } from 'vitest';
import { InflightTable } from '../../src/relay/routing.js';

describe('InflightTable routing (DESIGN §1 relatedRequestId rules)', () => {
  it('routes a response to the request it answers and marks it complete', () => {
    const t = new InflightTable();
    t.add(1, undefined);
    expect(t.route({ jsonrpc: '2.0', id: 1, result: {} })).toEqual({ kind: 'related', requestId: 1, completes: true, isProgress: false });
  });

  it('keeps string and number ids apart', () => {
    const t = new InflightTable();
    t.add('1', undefined);
    expect(t.route({ jsonrpc: '2.0', id: 1, result: {} })).toEqual({ kind: 'stale' });
  });

  it('routes progress by its token, not by recency', () => {
    const t = new InflightTable();
    t.add('a', 'tok-a');
    t.add('b', undefined);
    const progress = { jsonrpc: '2.0' as const, method: 'notifications/progress', params: { progressToken: 'tok-a', progress: 1 } };
    expect(t.route(progress)).toEqual({ kind: 'related', requestId: 'a', completes: false, isProgress: true });
    t.delete('a');
    expect(t.route(progress)).toEqual({ kind: 'stale' });
  });

  it('routes a server→client request to the newest in-flight request, else the standalone stream', () => {
    const t = new InflightTable();
    const sampling = { jsonrpc: '2.0' as const, id: 'srv-1', method: 'sampling/createMessage', params: {} };
    expect(t.route(sampling)).toEqual({ kind: 'standalone' });
    t.add(1, undefined);
    t.add(2, undefined);
    expect(t.route(sampling)).toMatchObject({ kind: 'related', requestId: 2 });
  });

  it('sends other notifications to the standalone stream', () => {
    const t = new InflightTable();
    t.add(1, undefined);
    expect(t.route({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } })).toEqual({ kind: 'standalone' });
  });

  it('treats a response for an unknown id as stale', () => {
    expect(new InflightTable().route({ jsonrpc: '2.0', id: 9, error: { code: 1, message: 'x' } })).toEqual({ kind: 'stale' });
  });
});
