import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProxy } from '../../helpers/proxy-harness.js';
import { ACCEPT, INIT, call, messagesOf, openSession, post, rawPost } from '../../helpers/raw-http.js';

let proxy: Awaited<ReturnType<typeof startTestProxy>>;

beforeAll(async () => {
  proxy = await startTestProxy({ maxBodyBytes: 64 * 1024, allowedOrigins: ['https://app.example.com'] });
});
afterAll(async () => {
  await proxy.close();
});

describe('HTTP edge: bad input gets a precise answer', () => {
  it('415 for a wrong content type', async () => {
    const res = await post(proxy.url, 'x', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect((await res.json()).error.message).toMatch(/Content-Type must be application\/json/);
  });

  it('400 with a JSON-RPC parse error for malformed JSON', async () => {
    const res = await post(proxy.url, '{"jsonrpc": "2.0", "id": 1,');
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe(-32700);
  });

  it('413 for an oversized body, declared or streamed', async () => {
    const big = JSON.stringify({ ...INIT, params: { ...INIT.params, pad: 'x'.repeat(70 * 1024) } });
    const res = await post(proxy.url, big);
    expect(res.status).toBe(413);
    const chunked = await fetch(proxy.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT },
      body: new ReadableStream({ start(c) { for (let i = 0; i < 80; i++) c.enqueue(new TextEncoder().encode('x'.repeat(1024))); c.close(); } }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('400 when a non-initialize request has no session id; 404 for an unknown session', async () => {
    const noSession = await post(proxy.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(noSession.status).toBe(400);
    expect((await noSession.json()).error.message).toMatch(/Mcp-Session-Id/);
    const unknown = await post(proxy.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': 'not-a-session' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ id: 1, error: { code: -32001 } });
    const get = await fetch(proxy.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': 'nope' } });
    expect(get.status).toBe(404);
  });

  it('404 outside the endpoint and 405 for other methods', async () => {
    expect((await fetch(proxy.url.replace('/mcp', '/other'))).status).toBe(404);
    const put = await fetch(proxy.url, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toContain('POST');
  });

  it('reports health', async () => {
    const res = await fetch(proxy.url.replace('/mcp', '/healthz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', version: 'test' });
  });
});

describe('HTTP edge: Origin and Host (DNS rebinding)', () => {
  it('403 for a foreign Origin, even another port on localhost', async () => {
    const evil = await post(proxy.url, INIT, { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    const otherPort = await post(proxy.url, INIT, { origin: 'http://localhost:6666' });
    expect(otherPort.status).toBe(403);
  });

  it('403 for a rebound Host while bound to loopback', async () => {
    const rebound = await rawPost(proxy.url, JSON.stringify(INIT), { host: 'attacker.example' });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error.message).toMatch(/Host/);
    const sameOriginRebound = await rawPost(proxy.url, JSON.stringify(INIT), { host: 'attacker.example', origin: 'http://attacker.example' });
    expect(sameOriginRebound.status).toBe(403);
  });

  it('allows a listed origin with CORS headers exposing Mcp-Session-Id', async () => {
    const res = await post(proxy.url, INIT, { origin: 'https://app.example.com' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('access-control-expose-headers')).toContain('Mcp-Session-Id');
    await res.text();
    const preflight = await fetch(proxy.url, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Mcp-Session-Id');
    await fetch(proxy.url, { method: 'DELETE', headers: { 'mcp-session-id': res.headers.get('mcp-session-id')! } });
  });
});

describe('protocol eras at the edge', () => {
  it('answers a 2026-07-28 request with -32022 listing only the legacy versions it serves', async () => {
    const res = await post(proxy.url, {
      jsonrpc: '2.0', id: 7, method: 'server/discover',
      params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'x', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } },
    }, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' });
    const body = await res.json();
    expect(body.id).toBe(7);
    expect(body.error.code).toBe(-32022);
    expect(body.error.data.supported).toContain('2025-11-25');
    expect(body.error.data.supported.some((v: string) => v >= '2026')).toBe(false);
  });

  it('refuses batches once the session negotiated 2025-06-18 or later', async () => {
    const sid = await openSession(proxy.url);
    const res = await post(proxy.url, [{ jsonrpc: '2.0', id: 1, method: 'ping' }, { jsonrpc: '2.0', id: 2, method: 'ping' }], { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe(-32600);
    const ok = await call(proxy.url, sid, 3, 'echo', { message: 'still fine' });
    expect(JSON.stringify(ok)).toContain('echo: still fine');
  });

  it('serves batches to a 2025-03-26 session', async () => {
    const res0 = await post(proxy.url, { ...INIT, params: { ...INIT.params, protocolVersion: '2025-03-26' } });
    const sid = res0.headers.get('mcp-session-id')!;
    await res0.text();
    const res = await post(proxy.url, [{ jsonrpc: '2.0', id: 1, method: 'ping' }, { jsonrpc: '2.0', id: 2, method: 'tools/list' }], { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-03-26' });
    expect(res.status).toBe(200);
    const ids = (await messagesOf(res)).map((m) => m.id).sort();
    expect(ids).toEqual([1, 2]);
  });
});
