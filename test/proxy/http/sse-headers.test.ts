import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticksPerKeepAlive } from '../../../src/proxy/http/direct-sse.js';
import { startTestProxy } from '../../helpers/proxy-harness.js';
import { openLegacySse } from '../../helpers/legacy-sse-wire.js';
import { INIT, openSession, post } from '../../helpers/raw-http.js';

/** Every SSE response of the proxy tells buffering reverse proxies (nginx) to pass events at once. */

let proxy: Awaited<ReturnType<typeof startTestProxy>>;
beforeAll(async () => {
  proxy = await startTestProxy();
});
afterAll(async () => {
  await proxy.close();
});

describe('SSE responses', () => {
  it('carry X-Accel-Buffering: no on the SDK path, the direct path, the GET stream and the legacy SSE stream', async () => {
    const init = await post(proxy.url, INIT); // the SDK transport's POST stream
    expect(init.headers.get('content-type')).toBe('text/event-stream');
    expect(init.headers.get('x-accel-buffering')).toBe('no');
    await init.text();
    const sid = await openSession(proxy.url);
    const session = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
    const direct = await post(proxy.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, session);
    expect(direct.headers.get('content-type')).toBe('text/event-stream');
    expect(direct.headers.get('x-accel-buffering')).toBe('no');
    await direct.text();
    const abort = new AbortController();
    const get = await fetch(proxy.url, { headers: { accept: 'text/event-stream', ...session }, signal: abort.signal });
    expect(get.status).toBe(200);
    expect(get.headers.get('x-accel-buffering')).toBe('no');
    abort.abort();
    const legacy = await openLegacySse(new URL(proxy.url).origin + '/sse');
    expect(legacy.headers['x-accel-buffering']).toBe('no');
    legacy.close();
  });

  it('keep-alive interval in stream ticks: 0 disables, anything else at least one tick', () => {
    expect(ticksPerKeepAlive(0)).toBe(0);
    expect(ticksPerKeepAlive(15_000)).toBe(15);
    expect(ticksPerKeepAlive(1_000)).toBe(1);
    expect(ticksPerKeepAlive(200)).toBe(1);
  });
});
