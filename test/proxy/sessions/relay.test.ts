import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, startTestProxy, textOf } from '../../helpers/proxy-harness.js';

let proxy: Awaited<ReturnType<typeof startTestProxy>>;

beforeAll(async () => {
  proxy = await startTestProxy();
});
afterAll(async () => {
  await proxy.close();
});

describe('transparent relay through a 2025-era session', () => {
  it('initializes, passes instructions through and lists and calls tools', async () => {
    const { client, transport } = await connectClient(proxy.url);
    expect(client.getServerVersion()?.name).toBe('legacy-fixture');
    expect(client.getInstructions()).toBe('Fixture server for mcp-bridge tests.');
    expect(transport.sessionId).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('echo');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'hi there' } }))).toBe('echo: hi there');
    await client.close();
  });

  it('relays progress notifications to the request that asked for them', async () => {
    const { client } = await connectClient(proxy.url);
    const seen: number[] = [];
    const result = await client.callTool({ name: 'progress', arguments: { steps: 4, delayMs: 5 } }, { onprogress: (p) => seen.push(p.progress) });
    expect(textOf(result)).toBe('done 4');
    expect(seen).toEqual([1, 2, 3, 4]);
    await client.close();
  });

  it('follows resource pagination cursors and reads prompts', async () => {
    const { client } = await connectClient(proxy.url);
    const all = await client.listResources();
    expect(all.resources).toHaveLength(5);
    const first = await client.listResources({ cursor: '0' });
    expect(first.resources).toHaveLength(2);
    expect(first.nextCursor).toBe('2');
    const second = await client.listResources({ cursor: first.nextCursor });
    expect(second.resources.map((r) => r.uri)).toEqual(['test://r/2', 'test://r/3']);
    const prompt = await client.getPrompt({ name: 'greet', arguments: { who: 'Ada' } });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Hello Ada' });
    await client.close();
  });

  it('completes a sampling round trip answered by the client', async () => {
    const { client } = await connectClient(proxy.url, { capabilities: { sampling: {} } });
    client.setRequestHandler('sampling/createMessage', async (request) => ({
      model: 'test-model',
      role: 'assistant',
      content: { type: 'text', text: `answer to ${(request.params.messages[0]?.content as { text: string }).text}` },
    }));
    const result = await client.callTool({ name: 'sample', arguments: { prompt: 'ping' } });
    expect(textOf(result)).toBe('sampled: answer to ping');
    await client.close();
  });
});
