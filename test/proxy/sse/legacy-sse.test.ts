import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthGuard } from '../../../src/proxy/auth/auth-guard.js';
import { toEdgeAuthenticator } from '../../../src/proxy/auth/edge-authenticator.js';
import { MODERN_FIXTURE } from '../../helpers/modern-harness.js';
import { alive, startTestProxy, textOf, waitFor } from '../../helpers/proxy-harness.js';
import { LEGACY_INIT, legacySession, openLegacySse, postMessage, type LegacySseStream } from '../../helpers/legacy-sse-wire.js';
import { openSession } from '../../helpers/raw-http.js';

/**
 * The legacy HTTP+SSE transport (2024-11-05 clients): the SDK v2 client's own `SSEClientTransport`
 * (exported by @modelcontextprotocol/client) for the round trips, the raw wire for exact answers.
 */

type Proxy = Awaited<ReturnType<typeof startTestProxy>>;
let proxy: Proxy | undefined;
const clients: Client[] = [];
const streams: LegacySseStream[] = [];

afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await proxy?.close();
  proxy = undefined;
});

const baseOf = (p: Proxy): string => new URL(p.url).origin;

async function sdkClient(p: Proxy, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'sse-test', version: '1.0.0' }, { capabilities: { sampling: {}, roots: {} } });
  client.setRequestHandler('sampling/createMessage', async (request) => ({
    model: 'test-model',
    role: 'assistant',
    content: { type: 'text', text: `answer to ${(request.params.messages[0]?.content as { text: string }).text}` },
  }));
  client.setRequestHandler('roots/list', async () => ({ roots: [{ uri: 'file:///sse-root', name: 'sse' }] }));
  await client.connect(new SSEClientTransport(new URL(`${baseOf(p)}/sse`), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

const pidOf = async (client: Client): Promise<number> => Number(textOf(await client.callTool({ name: 'pid', arguments: {} })));

async function health(p: Proxy): Promise<{ sessions: number }> {
  return (await fetch(`${baseOf(p)}/healthz`, { signal: AbortSignal.timeout(5_000) })).json() as Promise<{ sessions: number }>;
}

describe('legacy HTTP+SSE with the SDK client (SSEClientTransport)', () => {
  it('round trip: initialize, tools, progress, and sampling and roots asked by the child', async () => {
    proxy = await startTestProxy();
    const client = await sdkClient(proxy);
    expect(client.getServerVersion()?.name).toBe('legacy-fixture');
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('sample');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'over sse' } }))).toBe('echo: over sse');
    expect(textOf(await client.callTool({ name: 'sample', arguments: { prompt: 'ping' } }))).toBe('sampled: answer to ping');
    expect(textOf(await client.callTool({ name: 'roots', arguments: {} }))).toContain('file:///sse-root');
    // The SDK client dispatches notifications a microtask later but settles a response at once, so a
    // progress event read in the same chunk as the result is lost to it (the fixture sends the last one
    // right before the result). Steps half a second apart keep the first two apart; the wire test
    // below checks that all of them go out, in order, before the result.
    const progress: number[] = [];
    expect(textOf(await client.callTool({ name: 'progress', arguments: { steps: 3, delayMs: 500 } }, { onprogress: (p) => void progress.push(p.progress) }))).toBe('done 3');
    expect(progress.slice(0, 2)).toEqual([1, 2]);
    expect(proxy.legacySse?.size).toBe(1);
    expect((await health(proxy)).sessions).toBe(1);
  });

  it('two connections get two children; closing a connection ends its child (no orphan)', async () => {
    proxy = await startTestProxy();
    const a = await sdkClient(proxy);
    const b = await sdkClient(proxy);
    const [pidA, pidB] = [await pidOf(a), await pidOf(b)];
    expect(pidA).not.toBe(pidB);
    await a.callTool({ name: 'set_state', arguments: { value: 'only-a' } });
    expect(textOf(await b.callTool({ name: 'get_state', arguments: {} }))).toBe('(unset)');
    expect(proxy.legacySse?.size).toBe(2);
    await a.close();
    expect(await waitFor(() => !alive(pidA), 8_000, 50)).toBe(true);
    expect(await waitFor(() => proxy!.legacySse?.size === 1, 5_000)).toBe(true);
    expect(alive(pidB)).toBe(true);
    expect(textOf(await b.callTool({ name: 'echo', arguments: { message: 'still here' } }))).toBe('echo: still here');
    await proxy.close();
    proxy = undefined;
    expect(await waitFor(() => !alive(pidB), 8_000, 50)).toBe(true);
  });

  it('a modern-only child (2026-07-28) is reached through the era translator', async () => {
    proxy = await startTestProxy({ child: { command: process.execPath, args: [MODERN_FIXTURE, '--legacy', 'reject'], env: {}, passEnv: true, baseEnv: process.env, shell: false } });
    const client = await sdkClient(proxy);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    expect(await waitFor(() => proxy!.lines.some((l) => l.includes('goes through the era adapter')), 5_000)).toBe(true);
    expect(Number(await pidOf(client))).toBeGreaterThan(0);
  });
});

describe('legacy HTTP+SSE on the wire', () => {
  it('opens with SSE headers and the endpoint event; answers are message events; POSTs get 202', async () => {
    proxy = await startTestProxy();
    const stream = await openLegacySse(`${baseOf(proxy)}/sse`);
    streams.push(stream);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream');
    expect(stream.headers['x-accel-buffering']).toBe('no');
    expect(stream.endpoint).toMatch(/^\/messages\?sessionId=[A-Za-z0-9_-]{32}$/);
    const messages = new URL(stream.endpoint!, baseOf(proxy)).href;
    const accepted = await postMessage(messages, LEGACY_INIT);
    expect(accepted.status).toBe(202);
    const init = await stream.next((m) => m.id === 0);
    expect(init.result).toMatchObject({ protocolVersion: '2024-11-05', serverInfo: { name: 'legacy-fixture' } });
    // A batch (allowed in 2024-11-05) is delivered message by message.
    expect((await postMessage(messages, [{ jsonrpc: '2.0', id: 1, method: 'ping' }, { jsonrpc: '2.0', id: 2, method: 'tools/list' }])).status).toBe(202);
    await stream.next((m) => m.id === 2);
    expect(stream.messages().find((m) => m.id === 1)).toMatchObject({ result: {} });
    // Progress goes out on the stream, in order, before the result.
    await postMessage(messages, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'progress', arguments: { steps: 3 }, _meta: { progressToken: 'p3' } } });
    await stream.next((m) => m.id === 3);
    const tail = stream.messages().filter((m) => m.id === 3 || (m.params as { progressToken?: string } | undefined)?.progressToken === 'p3');
    expect(tail.map((m) => (m.id === 3 ? 'result' : (m.params as { progress: number }).progress))).toEqual([1, 2, 3, 'result']);
  });

  it('refuses a POST without sessionId (400), an unknown one (404), bad JSON (400 parse error), not JSON-RPC (400), wrong methods (405)', async () => {
    proxy = await startTestProxy();
    const base = baseOf(proxy);
    const { stream, messages } = await legacySession(base);
    streams.push(stream);
    const none = await postMessage(`${base}/messages`, { jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(none.status).toBe(400);
    expect(JSON.parse(none.text)).toMatchObject({ jsonrpc: '2.0', error: { code: -32000, message: expect.stringContaining('sessionId') } });
    const unknown = await postMessage(`${base}/messages?sessionId=not-a-session`, { jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toMatchObject({ error: { code: -32001 } });
    const bad = await postMessage(messages, '{"jsonrpc":');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ error: { code: -32700 } });
    const notRpc = await postMessage(messages, { hello: 'world' });
    expect(notRpc.status).toBe(400);
    expect(JSON.parse(notRpc.text)).toMatchObject({ error: { code: -32600 } });
    const sseByPost = await fetch(`${base}/sse`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(5_000) });
    expect(sseByPost.status).toBe(405);
    expect(sseByPost.headers.get('allow')).toBe('GET, OPTIONS');
    await sseByPost.text();
    const messagesByGet = await fetch(messages, { signal: AbortSignal.timeout(5_000) });
    expect(messagesByGet.status).toBe(405);
    await messagesByGet.text();
    // The session is unharmed by the refusals.
    expect((await postMessage(messages, { jsonrpc: '2.0', id: 5, method: 'ping' })).status).toBe(202);
    await stream.next((m) => m.id === 5);
  });

  it('caps the body (413) like the MCP endpoint', async () => {
    proxy = await startTestProxy({ maxBodyBytes: 1024 });
    const { stream, messages } = await legacySession(baseOf(proxy));
    streams.push(stream);
    const big = await postMessage(messages, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'echo', arguments: { message: 'x'.repeat(4096) } } });
    expect(big.status).toBe(413);
  });

  it('checks Origin and Host on the GET and on every POST (403)', async () => {
    proxy = await startTestProxy({ allowedOrigins: ['https://app.example'] });
    const base = baseOf(proxy);
    const evil = await openLegacySse(`${base}/sse`, { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(proxy.legacySse?.size).toBe(0);
    const rebound = await openLegacySse(`${base}/sse`, { host: 'attacker.example' });
    expect(rebound.status).toBe(403);
    const { stream, messages } = await legacySession(base, { origin: 'https://app.example' });
    streams.push(stream);
    expect(stream.headers['access-control-allow-origin']).toBe('https://app.example');
    const cross = await postMessage(messages, { jsonrpc: '2.0', id: 3, method: 'ping' }, { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    await new Promise((r) => setTimeout(r, 200));
    expect(stream.messages().some((m) => m.id === 3)).toBe(false);
  });

  it('with bearer auth: the GET and every POST need a token, and a POST of another principal gets 404', async () => {
    proxy = await startTestProxy({ auth: toEdgeAuthenticator(createAuthGuard({ mode: 'bearer', tokens: ['token-a', 'token-b'] })) });
    const base = baseOf(proxy);
    const anonymous = await openLegacySse(`${base}/sse`);
    expect(anonymous.status).toBe(401);
    expect(proxy.legacySse?.size).toBe(0);
    const a = { authorization: 'Bearer token-a' };
    const { stream, messages } = await legacySession(base, a);
    streams.push(stream);
    const ping = { jsonrpc: '2.0', id: 4, method: 'ping' };
    expect((await postMessage(messages, ping)).status).toBe(401);
    expect((await postMessage(messages, ping, { authorization: 'Bearer wrong' })).status).toBe(401);
    const other = await postMessage(messages, ping, { authorization: 'Bearer token-b' });
    expect(other.status).toBe(404);
    await new Promise((r) => setTimeout(r, 200));
    expect(stream.messages().some((m) => m.id === 4)).toBe(false);
    expect((await postMessage(messages, ping, a)).status).toBe(202);
    await stream.next((m) => m.id === 4);
    // The SDK client with the token works end to end.
    const client = await sdkClient(proxy, a);
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'authed' } }))).toBe('echo: authed');
  });

  it('counts SSE sessions under --max-sessions together with Streamable HTTP sessions (503 when full)', async () => {
    proxy = await startTestProxy({ maxSessions: 2 });
    const base = baseOf(proxy);
    const { stream } = await legacySession(base);
    streams.push(stream);
    await openSession(proxy.url);
    const full = await openLegacySse(`${base}/sse`);
    expect(full.status).toBe(503);
    expect(full.headers['retry-after']).toBe('5');
    expect(JSON.parse(full.body)).toMatchObject({ error: { message: expect.stringContaining('Too many sessions') } });
    expect((await health(proxy)).sessions).toBe(2);
  });

  it('reaps an idle SSE session (the connection ends and so does the child)', async () => {
    proxy = await startTestProxy({ sessionTimeoutMs: 400 });
    const { stream, messages } = await legacySession(baseOf(proxy));
    streams.push(stream);
    expect((await postMessage(messages, { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'pid', arguments: {} } })).status).toBe(202);
    const pid = Number(textOf((await stream.next((m) => m.id === 6)).result));
    await stream.ended;
    expect(await waitFor(() => !alive(pid), 8_000, 50)).toBe(true);
    expect(proxy.legacySse?.size).toBe(0);
    expect((await postMessage(messages, { jsonrpc: '2.0', id: 7, method: 'ping' })).status).toBe(404);
  });

  it('times out a request the child never answers, on the stream (-32010)', async () => {
    proxy = await startTestProxy({ requestTimeoutMs: 300 });
    const { stream, messages } = await legacySession(baseOf(proxy));
    streams.push(stream);
    await postMessage(messages, { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'hang', arguments: {} } });
    expect(await stream.next((m) => m.id === 8)).toMatchObject({ error: { code: -32010 } });
  });

  it('sends keep-alive comments on the stream', async () => {
    proxy = await startTestProxy({ keepAliveMs: 100 });
    const { stream } = await legacySession(baseOf(proxy));
    streams.push(stream);
    expect(await waitFor(() => stream.text().includes(': keepalive\n\n'), 5_000)).toBe(true);
  });

  it('takes a prewarmed child when the pool has one, and the pool gives way under the shared limit', async () => {
    proxy = await startTestProxy({ prewarm: 1, maxSessions: 1 });
    const prewarmedPid = async (): Promise<number | undefined> => {
      const line = proxy!.lines.find((l) => l.includes('"prewarmed":true') && l.includes('ready pid='));
      return line ? Number(/ready pid=(\d+)/.exec(line)![1]) : undefined;
    };
    expect(await waitFor(async () => (await prewarmedPid()) !== undefined, 10_000)).toBe(true);
    const { stream, messages } = await legacySession(baseOf(proxy));
    streams.push(stream);
    await postMessage(messages, { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'pid', arguments: {} } });
    expect(Number(textOf((await stream.next((m) => m.id === 6)).result))).toBe(await prewarmedPid());
    // The one slot is the SSE session's: the pool does not refill, and a Streamable HTTP initialize is refused.
    expect((await fetch(proxy.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify(LEGACY_INIT), signal: AbortSignal.timeout(5_000) })).status).toBe(503);
  });

  it('is off without legacySse (--no-sse): /sse is 404', async () => {
    proxy = await startTestProxy({ legacySse: undefined });
    const res = await openLegacySse(`${baseOf(proxy)}/sse`);
    expect(res.status).toBe(404);
  });
});

describe('legacy HTTP+SSE sessions take their child like Streamable HTTP sessions', () => {
  it('--isolation principal: an SSE session and a Streamable HTTP session of one principal share the child', async () => {
    proxy = await startTestProxy({ isolation: 'principal' });
    const sse = await sdkClient(proxy);
    const http = new Client({ name: 'http-test', version: '1' });
    await http.connect(new StreamableHTTPClientTransport(new URL(proxy.url)));
    clients.push(http);
    expect(await pidOf(sse)).toBe(await pidOf(http));
  });

  it('--header-to-env: the GET that opens the stream gives its child the header; a missing required one is 400', async () => {
    proxy = await startTestProxy({ headerToEnv: [{ header: 'x-tenant', variable: 'TENANT', required: true }] });
    expect((await openLegacySse(`${baseOf(proxy)}/sse`)).status).toBe(400);
    const client = await sdkClient(proxy, { 'x-tenant': 'acme' });
    expect(textOf(await client.callTool({ name: 'env', arguments: { name: 'TENANT' } }))).toBe('acme');
  });

  it('--deny-tools: a hidden tool is gone from tools/list and its call never reaches the server', async () => {
    proxy = await startTestProxy({ toolFilter: { allow: [], deny: ['crash'] } });
    const client = await sdkClient(proxy);
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('crash');
    const pid = await pidOf(client);
    const refused = await client.callTool({ name: 'crash', arguments: {} }).then(() => 'answered', (e: unknown) => String(e));
    expect(refused).toMatch(/Unknown tool: crash/);
    expect(await pidOf(client)).toBe(pid);
  });
});
