import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isMessage } from '../../../src/shared/jsonrpc.js';
import { isAlive, spawnRawBridge, startBridge, stopRawBridge, type BridgeHarness } from '../../helpers/client-bridge.js';
import { startTestServer, type TestServer } from '../../helpers/client-test-server.js';

let server: TestServer;
const harnesses: BridgeHarness[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    const pid = h.pid();
    await h.close();
    await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false);
  }
});

async function bridge(args: string[] = [], env: Record<string, string> = {}, onSampling?: (p: unknown) => unknown): Promise<BridgeHarness> {
  const h = await startBridge({ args: [...args, server.url], env, onSampling });
  harnesses.push(h);
  return h;
}

describe('mcp-client bridge (stdio ↔ Streamable HTTP)', () => {
  it('relays tools/list across pages, tools/call, resources, prompts', async () => {
    const h = await bridge();
    const tools = await h.client.listTools();
    expect(tools.tools.map((t) => t.name)).toEqual(['echo', 'add', 'sample', 'progress', 'fail', 'meta', 'slow']);
    const echoed = await h.client.callTool({ name: 'echo', arguments: { message: 'hello' } });
    expect(echoed.content).toEqual([{ type: 'text', text: 'hello' }]);
    const sum = await h.client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    expect(sum.content).toEqual([{ type: 'text', text: '5' }]);
    const page1 = await h.client.listResources({ cursor: undefined });
    expect(page1.resources).toHaveLength(5);
    const read = await h.client.readResource({ uri: 'test://resource/1' });
    expect(read.contents[0]).toMatchObject({ text: 'content of test://resource/1' });
    const prompts = await h.client.listPrompts();
    expect(prompts.prompts.map((p) => p.name)).toEqual(['prompt-0', 'prompt-1', 'prompt-2']);
    expect(h.transportErrors).toEqual([]);
  });

  it('passes pagination cursors and _meta through unchanged', async () => {
    const h = await bridge();
    const first = await h.client.listTools({ cursor: undefined, _meta: {} } as never);
    expect(first.tools.length).toBeGreaterThan(0);
    const single = await h.client.listTools({ cursor: '3' });
    expect(single.nextCursor).toBe('6');
    expect(single.tools.map((t) => t.name)).toEqual(['progress', 'fail', 'meta']);
    const meta = await h.client.callTool({ name: 'meta', arguments: {}, _meta: { 'example.com/trace': 'abc', nested: { x: [1, 2] } } });
    expect(meta.structuredContent).toEqual({ meta: { 'example.com/trace': 'abc', nested: { x: [1, 2] } } });
  });

  it('relays a server→client sampling request and its response', async () => {
    const seen: unknown[] = [];
    const h = await bridge([], {}, (params) => {
      seen.push(params);
      return 'forty-two';
    });
    const result = await h.client.callTool({ name: 'sample', arguments: { prompt: 'meaning of life?' } });
    expect(result.content).toEqual([{ type: 'text', text: 'sampled: forty-two' }]);
    expect(JSON.stringify(seen)).toContain('meaning of life?');
  });

  it('sends --header with ${ENV} expansion and --bearer, and never logs their values', async () => {
    const h = await bridge(['--header', 'X-Api-Key: key-${SECRET_PART}-end', '-H', 'X-Other: plain', '--bearer', 'tok-123'], { SECRET_PART: 's3cr3t' });
    await h.client.callTool({ name: 'echo', arguments: { message: 'x' } });
    const posts = server.requests.filter((r) => r.rpcMethod === 'tools/call' && r.headers['x-api-key'] !== undefined);
    expect(posts.at(-1)?.headers['x-api-key']).toBe('key-s3cr3t-end');
    expect(posts.at(-1)?.headers['x-other']).toBe('plain');
    expect(posts.at(-1)?.headers.authorization).toBe('Bearer tok-123');
    expect(h.stderr()).not.toContain('s3cr3t');
    expect(h.stderr()).not.toContain('tok-123');
  });

  it('re-initializes transparently when the remote session is dropped behind its back', async () => {
    const h = await bridge();
    await h.client.callTool({ name: 'echo', arguments: { message: 'before' } });
    const before = server.sessionIds();
    expect(before.length).toBeGreaterThan(0);
    await server.dropAllSessions();
    const after = await h.client.callTool({ name: 'echo', arguments: { message: 'after' } });
    expect(after.content).toEqual([{ type: 'text', text: 'after' }]);
    expect(server.sessionIds().some((id) => !before.includes(id))).toBe(true);
    const replays = server.requests.filter((r) => r.rpcMethod === 'initialize').length;
    expect(replays).toBeGreaterThanOrEqual(2);
    // and the session keeps working afterwards
    const again = await h.client.callTool({ name: 'add', arguments: { a: 1, b: 1 } });
    expect(again.content).toEqual([{ type: 'text', text: '2' }]);
    expect(h.transportErrors).toEqual([]);
  });
});

describe('mcp-client bridge, raw stdio', () => {
  it('writes only JSON-RPC to stdout, swallows the replayed initialize, and DELETEs the session on stdin EOF', async () => {
    const raw = spawnRawBridge([server.url]);
    try {
      raw.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      await raw.waitFor((m) => m.id === 0);
      raw.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      raw.send({ jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'echo', arguments: { message: 'one' } } });
      await raw.waitFor((m) => m.id === 'a');
      const sessionId = server.requests.filter((r) => r.rpcMethod === 'tools/call').at(-1)?.sessionId;
      expect(sessionId).toBeDefined();
      await server.dropSession(sessionId as string);
      raw.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'two' } } });
      const second = await raw.waitFor((m) => m.id === 1);
      expect(second.result).toEqual({ content: [{ type: 'text', text: 'two' }] });

      // progress notifications pass through before the response, token unchanged
      raw.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'progress', arguments: { steps: 3 }, _meta: { progressToken: 'tok-7' } } });
      await raw.waitFor((m) => m.id === 2);
      const progress = raw.messages.filter((m) => m.method === 'notifications/progress');
      expect(progress.map((m) => m.params)).toEqual([1, 2, 3].map((progress) => ({ progressToken: 'tok-7', progress, total: 3 })));
      expect(raw.messages.indexOf(progress[2] as Record<string, unknown>)).toBeLessThan(raw.messages.findIndex((m) => m.id === 2));

      const newSession = server.sessionIds()[0];
      raw.child.stdin.end();
      const exit = await raw.exited;
      expect(exit.code).toBe(0);
      expect(server.deletedSessions).toContain(newSession);
      for (const line of raw.lines) expect(isMessage(JSON.parse(line))).toBe(true);
      // exactly one answer per request id: the replayed initialize's answer was swallowed
      expect(raw.messages.filter((m) => 'result' in m || 'error' in m).map((m) => m.id)).toEqual([0, 'a', 1, 2]);
    } finally {
      await stopRawBridge(raw);
    }
  });

  it('SIGTERM ends the remote session too and exits 0', async () => {
    const raw = spawnRawBridge([server.url]);
    try {
      raw.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      await raw.waitFor((m) => m.id === 0);
      raw.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      raw.send({ jsonrpc: '2.0', id: 1, method: 'ping' });
      await raw.waitFor((m) => m.id === 1);
      const sessionId = server.requests.filter((r) => r.rpcMethod === 'ping').at(-1)?.sessionId;
      raw.child.kill('SIGTERM');
      expect((await raw.exited).code).toBe(0);
      expect(server.deletedSessions).toContain(sessionId);
    } finally {
      await stopRawBridge(raw);
    }
  });

  it('skips malformed stdin lines (logged, nothing on stdout) and keeps relaying', async () => {
    const raw = spawnRawBridge([server.url]);
    try {
      raw.child.stdin.write('this is not json\n{"not":"json-rpc"}\n');
      raw.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      await raw.waitFor((m) => m.id === 0);
      expect(raw.lines).toHaveLength(1);
      expect(raw.stderr()).toContain('unreadable message');
    } finally {
      raw.child.stdin.end();
      await raw.exited;
      await stopRawBridge(raw);
    }
  });
});
