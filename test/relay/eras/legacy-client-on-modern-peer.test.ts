import { afterEach, describe, expect, it } from 'vitest';
import { ChildProcess } from '../../../src/proxy/child/child-process.js';
import { LegacyClientOnModernPeer } from '../../../src/relay/eras/legacy-client-on-modern-peer.js';
import type { JsonRpcMessage } from '../../../src/shared/jsonrpc.js';
import { MODERN_FIXTURE } from '../../helpers/modern-harness.js';
import { alive, memoryLogger, waitFor } from '../../helpers/proxy-harness.js';

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    const pid = c.pid;
    await c.stop();
    if (pid) expect(alive(pid)).toBe(false);
  }
});

/** A 2025-era "client" (this test) talking through the adapter to the real modern fixture over stdio. */
function setup(): { adapter: LegacyClientOnModernPeer; got: JsonRpcMessage[]; next: (pred: (m: JsonRpcMessage) => boolean) => Promise<JsonRpcMessage> } {
  const child = new ChildProcess({ command: process.execPath, args: [MODERN_FIXTURE], env: {}, passEnv: true, baseEnv: process.env, shell: false, maxLineBytes: 1 << 20, killGraceMs: 1_000, logger: memoryLogger().logger });
  children.push(child);
  const got: JsonRpcMessage[] = [];
  const adapter = new LegacyClientOnModernPeer({ peer: child, legacyVersions: ['2025-11-25', '2025-06-18'] });
  adapter.onmessage = (m) => got.push(m);
  child.onmessage = (m) => adapter.fromPeer(m);
  const next = async (pred: (m: JsonRpcMessage) => boolean): Promise<JsonRpcMessage> => {
    expect(await waitFor(() => got.some(pred), 8_000)).toBe(true);
    return got.splice(got.findIndex(pred), 1)[0]!;
  };
  return { adapter, got, next };
}

describe('LegacyClientOnModernPeer: a 2025-era client on a modern peer (real modern fixture)', () => {
  it('answers initialize from server/discover, relays calls, fulfils input_required with a real request, maps subscribe onto listen', async () => {
    const { adapter, next } = setup();
    adapter.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: { sampling: {} }, clientInfo: { name: 'old', version: '1' } } });
    const init = await next((m) => 'id' in m && m.id === 1);
    expect(init).toMatchObject({ result: { protocolVersion: '2025-06-18', serverInfo: { name: 'modern-fixture' }, capabilities: { tools: {} } } });
    adapter.send({ jsonrpc: '2.0', method: 'notifications/initialized' });

    adapter.send({ jsonrpc: '2.0', id: 2, method: 'ping' });
    expect(await next((m) => 'id' in m && m.id === 2)).toEqual({ jsonrpc: '2.0', id: 2, result: {} });

    adapter.send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } });
    expect(await next((m) => 'id' in m && m.id === 3)).toEqual({ jsonrpc: '2.0', id: 3, result: { content: [{ type: 'text', text: 'echo: hi' }], _meta: expect.any(Object) } });

    adapter.send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'sample', arguments: { prompt: 'ping' } } });
    const ask = await next((m) => 'method' in m && m.method === 'sampling/createMessage');
    expect(ask).toMatchObject({ params: { maxTokens: 50 } });
    adapter.send({ jsonrpc: '2.0', id: (ask as { id: string }).id, result: { role: 'assistant', content: { type: 'text', text: 'pong' }, model: 'm' } });
    expect(await next((m) => 'id' in m && m.id === 4)).toMatchObject({ result: { content: [{ text: 'sampled: pong' }] } });

    adapter.send({ jsonrpc: '2.0', id: 5, method: 'resources/subscribe', params: { uri: 'test://r/0' } });
    // Answered once the peer acknowledged the listen carrying the URI, so no update can be missed after it.
    expect(await next((m) => 'id' in m && m.id === 5)).toEqual({ jsonrpc: '2.0', id: 5, result: {} });
    adapter.send({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'touch', arguments: { uri: 'test://r/0' } } });
    const update = await next((m) => 'method' in m && m.method === 'notifications/resources/updated');
    expect(update).toEqual({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'test://r/0', _meta: {} } });
  });

  it('a cancelled request is forgotten at once, closed at the peer, and never answered', async () => {
    const { adapter, got, next } = setup();
    adapter.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'old', version: '1' } } });
    await next((m) => 'id' in m && m.id === 1);
    adapter.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'progress', arguments: { steps: 5, delayMs: 100 }, _meta: { progressToken: 'p' } } });
    await next((m) => 'method' in m && m.method === 'notifications/progress');
    expect(adapter.inflight).toBe(1);
    adapter.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2, reason: 'user' } });
    expect(adapter.inflight).toBe(0);
    adapter.send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { message: 'after' } } });
    expect(await next((m) => 'id' in m && m.id === 3)).toMatchObject({ result: { content: [{ text: 'echo: after' }] } });
    await new Promise((r) => setTimeout(r, 700));
    expect(got.some((m) => 'id' in m && m.id === 2)).toBe(false);
  });

  it('a request cancelled while its input_required question is out is not retried', async () => {
    const { adapter, got, next } = setup();
    adapter.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { sampling: {} }, clientInfo: { name: 'old', version: '1' } } });
    await next((m) => 'id' in m && m.id === 1);
    adapter.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'sample', arguments: { prompt: 'x' } } });
    const ask = await next((m) => 'method' in m && m.method === 'sampling/createMessage');
    adapter.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2 } });
    adapter.send({ jsonrpc: '2.0', id: (ask as { id: string }).id, result: { role: 'assistant', content: { type: 'text', text: 'late' }, model: 'm' } });
    await new Promise((r) => setTimeout(r, 300));
    expect(adapter.inflight).toBe(0);
    expect(got.some((m) => 'id' in m && m.id === 2)).toBe(false);
  });
});
