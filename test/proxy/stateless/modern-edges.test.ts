import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModernProxy, type ModernTestProxy } from '../../helpers/modern-harness.js';
import { final, messages, post, request } from '../../helpers/modern-wire.js';
import { alive, waitFor } from '../../helpers/proxy-harness.js';

describe('2026-07-28 edge: the spec\'s errors', () => {
  let proxy: ModernTestProxy;
  beforeAll(async () => {
    proxy = await startModernProxy('legacy', {}, 'legacy');
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('rejects an Mcp-Method header that disagrees with the body (-32020, 400)', async () => {
    const res = await post(proxy.url, request('tools/list'), { 'mcp-method': 'prompts/list' });
    expect(res.status).toBe(400);
    expect((await final(res)).error?.code).toBe(-32020);
  });

  it('rejects a missing or mismatched Mcp-Name (-32020, 400) and accepts the Base64 sentinel', async () => {
    const body = request('tools/call', { name: 'echo', arguments: { message: 'x' } });
    const missing = await post(proxy.url, body, { 'mcp-name': undefined });
    expect(missing.status).toBe(400);
    expect((await final(missing)).error?.code).toBe(-32020);
    const wrong = await post(proxy.url, body, { 'mcp-name': 'add' });
    expect(wrong.status).toBe(400);
    expect((await final(wrong)).error).toMatchObject({ code: -32020, message: expect.stringContaining("'add'") });
    const encoded = await post(proxy.url, body, { 'mcp-name': `=?base64?${Buffer.from('echo').toString('base64')}?=` });
    expect(encoded.status).toBe(200);
    expect((await final(encoded)).result).toMatchObject({ content: [{ text: 'echo: x' }], resultType: 'complete' });
  });

  it('rejects a missing MCP-Protocol-Version header and a header/envelope version mismatch (-32020)', async () => {
    const missing = await post(proxy.url, request('tools/list'), { 'mcp-protocol-version': undefined });
    expect(missing.status).toBe(400);
    expect((await final(missing)).error?.code).toBe(-32020);
    const mismatch = await post(proxy.url, request('tools/list'), { 'mcp-protocol-version': '2027-01-01' });
    expect(mismatch.status).toBe(400);
    expect((await final(mismatch)).error?.code).toBe(-32020);
  });

  it('answers an unsupported revision with -32022 listing what is served', async () => {
    const body = request('tools/list', {}, {}, { 'io.modelcontextprotocol/protocolVersion': '2027-01-01' });
    const res = await post(proxy.url, body, { 'mcp-protocol-version': '2027-01-01' });
    expect(res.status).toBe(400);
    const error = (await final(res)).error;
    expect(error?.code).toBe(-32022);
    expect(error?.data?.supported).toEqual(expect.arrayContaining(['2026-07-28', '2025-11-25']));
  });

  it('rejects a malformed envelope (-32602, 400)', async () => {
    const body = request('tools/list', {}, {}, { 'io.modelcontextprotocol/clientCapabilities': 'nope' });
    const res = await post(proxy.url, body);
    expect(res.status).toBe(400);
    expect((await final(res)).error?.code).toBe(-32602);
  });

  it('answers with JSON by default and upgrades to SSE when progress comes first', async () => {
    const plain = await post(proxy.url, request('tools/call', { name: 'echo', arguments: { message: 'a' } }));
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
    await plain.text();
    const streamed = await post(proxy.url, request('tools/call', { name: 'progress', arguments: { steps: 2, delayMs: 5 } }, {}, { progressToken: 'tok' }));
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const all = await messages(streamed);
    expect(all.map((m) => m.method ?? 'response')).toEqual(['notifications/progress', 'notifications/progress', 'response']);
    expect((all[0]!.params as { progressToken: string }).progressToken).toBe('tok');
  });
});

describe('2026-07-28 edge: multi-round-trip through the adapter', () => {
  let proxy: ModernTestProxy;
  beforeAll(async () => {
    proxy = await startModernProxy('legacy', {}, 'legacy');
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('turns the child\'s elicitation into input_required and feeds the retry back to it', async () => {
    const caps = { elicitation: {} };
    const first = await final(await post(proxy.url, request('tools/call', { name: 'elicit', arguments: {} }, caps)));
    expect(first.result?.resultType).toBe('input_required');
    const inputRequests = first.result?.inputRequests as Record<string, { method: string; params: Record<string, unknown> }>;
    const [key, ask] = Object.entries(inputRequests)[0]!;
    expect(ask).toMatchObject({ method: 'elicitation/create', params: { message: 'Your name?' } });
    const state = first.result?.requestState as string;
    const forged = await final(await post(proxy.url, request('tools/call', { name: 'elicit', arguments: {}, requestState: 'forged', inputResponses: {} }, caps)));
    expect(forged.error?.code).toBe(-32602);
    const retry = request('tools/call', { name: 'elicit', arguments: {}, requestState: state, inputResponses: { [key]: { action: 'accept', content: { name: 'Ada' } } } }, caps);
    const done = await final(await post(proxy.url, retry));
    expect(done.result).toMatchObject({ resultType: 'complete', content: [{ text: 'elicited: {"action":"accept","content":{"name":"Ada"}}' }] });
  });
});

describe('2026-07-28 edge: faults never hang', () => {
  let proxy: ModernTestProxy;
  beforeAll(async () => {
    proxy = await startModernProxy('legacy', { requestTimeoutMs: 500, sessionTimeoutMs: 60_000 }, 'auto');
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('probes a 2025-era fixture as legacy', async () => {
    expect(await proxy.modern.childEra()).toBe('legacy');
  });

  it('times a silent request out with -32010 and keeps serving', async () => {
    const res = await final(await post(proxy.url, request('tools/call', { name: 'hang', arguments: {} })));
    expect(res.error?.code).toBe(-32010);
    const after = await final(await post(proxy.url, request('tools/call', { name: 'echo', arguments: { message: 'still here' } })));
    expect(after.result?.content).toEqual([{ type: 'text', text: 'echo: still here' }]);
  });

  it('reports a crashed child precisely and starts a fresh one for the next request', async () => {
    const before = (await proxy.modern.children.get(undefined))!.pid!;
    const crashed = await final(await post(proxy.url, request('tools/call', { name: 'crash', arguments: {} })));
    expect(crashed.error?.code).toBe(-32603);
    expect(crashed.error?.message).toMatch(/exited with code 3/);
    expect(await waitFor(() => !alive(before))).toBe(true);
    const after = await final(await post(proxy.url, request('tools/call', { name: 'pid', arguments: {} })));
    expect(Number((after.result?.content as Array<{ text: string }>)[0]!.text)).not.toBe(before);
  });

  it('serves a later request declaring more capabilities than the first (capabilities are per request)', async () => {
    await final(await post(proxy.url, request('tools/list', {}, {})));
    const res = await post(proxy.url, request('tools/call', { name: 'sample', arguments: {} }, { sampling: {} }));
    expect(res.status).toBe(200);
    expect((await final(res)).result?.resultType).toBe('input_required');
  });

  it('answers a server→client request the caller did not declare with an error to the child, not a hang', async () => {
    const res = await post(proxy.url, request('tools/call', { name: 'sample', arguments: {} }));
    expect(res.status).toBe(200);
    const result = (await final(res)).result;
    expect(result?.resultType).toBe('complete');
    expect(JSON.stringify(result)).toMatch(/did not declare the sampling capability/);
  });
});

describe('2026-07-28 edge: limits and reaping', () => {
  it('counts principal children against --max-sessions and reaps idle ones', async () => {
    const proxy = await startModernProxy('modern', { maxSessions: 1, sessionTimeoutMs: 300 }, 'modern');
    try {
      const ok = await final(await post(proxy.url, request('server/discover')));
      expect((ok.result?.supportedVersions as string[])).toContain('2026-07-28');
      const pid = (await proxy.modern.children.get(undefined))!.pid!;
      const legacy = await fetch(proxy.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
        signal: AbortSignal.timeout(5_000),
      });
      expect(legacy.status).toBe(503);
      await legacy.text();
      expect(await waitFor(() => proxy.modern.children.size === 0 && !alive(pid), 5_000)).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});
