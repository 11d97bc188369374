import { afterEach, describe, expect, it } from 'vitest';
import { isMessage } from '../../../src/shared/jsonrpc.js';
import { startSseOnlyServer, type SseOnlyServer } from '../../fixtures/sse-only-server.js';
import { freePort, isAlive, spawnRawBridge, startBridge, stopRawBridge, type BridgeHarness, type RawBridge } from '../../helpers/client-bridge.js';
import { startTestServer, type TestServer } from '../../helpers/client-test-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function track<T extends { close(): Promise<void> }>(thing: T): T {
  cleanups.push(() => thing.close());
  return thing;
}

async function harness(args: string[]): Promise<BridgeHarness> {
  const h = await startBridge({ args });
  cleanups.push(async () => {
    const pid = h.pid();
    await h.close();
    await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false);
  });
  return h;
}

function raw(args: string[], env?: Record<string, string>): RawBridge {
  const b = spawnRawBridge(args, env);
  cleanups.push(() => stopRawBridge(b));
  return b;
}

const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

describe('transport selection', () => {
  let sse: SseOnlyServer;

  it('--transport auto falls back to legacy SSE after 405 on the first POST, sampling included', async () => {
    sse = track(await startSseOnlyServer());
    const h = await harness([sse.url]);
    const tools = await h.client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('echo');
    const echoed = await h.client.callTool({ name: 'echo', arguments: { message: 'over sse' } });
    expect(echoed.content).toEqual([{ type: 'text', text: 'over sse' }]);
    const sampled = await h.client.callTool({ name: 'sample', arguments: { prompt: 'q' } });
    expect(sampled.content).toEqual([{ type: 'text', text: 'sampled: sampled by the local client' }]);
    expect(sse.requests[0]).toMatchObject({ httpMethod: 'POST', path: '/sse' });
    expect(sse.requests.some((r) => r.httpMethod === 'GET' && r.path === '/sse')).toBe(true);
    expect(h.transportErrors).toEqual([]);
  });

  it('--transport sse goes straight to the event stream', async () => {
    sse = track(await startSseOnlyServer());
    const h = await harness(['--transport', 'sse', sse.url]);
    const sum = await h.client.callTool({ name: 'add', arguments: { a: 20, b: 22 } });
    expect(sum.content).toEqual([{ type: 'text', text: '42' }]);
    expect(sse.requests.some((r) => r.httpMethod === 'POST' && r.path === '/sse')).toBe(false);
  });

  it('--transport http does not fall back: initialize gets a JSON-RPC error', async () => {
    sse = track(await startSseOnlyServer());
    const b = raw(['--transport', 'http', sse.url]);
    b.send(INIT);
    const answer = await b.waitFor((m) => m.id === 0);
    expect(answer.error).toMatchObject({ code: -32603 });
    expect(JSON.stringify(answer.error)).toContain('405');
  });
});

describe('failures', () => {
  it('refuses plain http to a non-loopback host (exit 2, no request made)', async () => {
    const b = raw(['http://example.invalid/mcp']);
    const exit = await b.exited;
    expect(exit.code).toBe(2);
    expect(b.stderr()).toContain('--allow-http');
    expect(b.lines).toEqual([]);
  });

  it('gives up on an unreachable remote: JSON-RPC error for the pending request, one clear line, exit 1', async () => {
    const port = await freePort();
    const b = raw(['--reconnect-timeout', '2', `http://127.0.0.1:${port}/mcp`], { MCP_CLIENT_LOG_LEVEL: 'error' });
    b.send(INIT);
    const answer = await b.waitFor((m) => m.id === 0, 20_000);
    expect(answer.error).toMatchObject({ code: -32000 });
    const exit = await b.exited;
    expect(exit.code).toBe(1);
    const lines = b.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('unreachable');
    expect(lines[0]).toContain('ECONNREFUSED');
    for (const line of b.lines) expect(isMessage(JSON.parse(line))).toBe(true);
  });

  it('survives a remote restart: retries while it is down, then re-initializes behind the local client', async () => {
    let server: TestServer = await startTestServer();
    cleanups.push(() => server.close());
    const port = Number(new URL(server.url).port);
    const h = await harness([server.url]);
    expect((await h.client.callTool({ name: 'echo', arguments: { message: 'one' } })).content).toEqual([{ type: 'text', text: 'one' }]);

    await server.close();
    const call = h.client.callTool({ name: 'echo', arguments: { message: 'two' } });
    await new Promise((r) => setTimeout(r, 1_000));
    server = await startTestServer({ port });
    const result = await call;
    expect(result.content).toEqual([{ type: 'text', text: 'two' }]);
    expect(server.requests.filter((r) => r.rpcMethod === 'initialize')).toHaveLength(1);
    expect(h.transportErrors).toEqual([]);
  });
});
