/**
 * `ModernClientOnLegacyPeer.cancel(id)`: a one-stream edge (mcp-client's stdio) cancels by its own request
 * id, and the translator finds the request where it is — waiting for the handshake, a call on the mux, a
 * listen — so the edge keeps no table of its own.
 */

import { describe, expect, it } from 'vitest';
import type { JsonRpcMessage, JsonRpcRequest } from '../../../src/shared/jsonrpc.js';
import { ModernClientOnLegacyPeer } from '../../../src/relay/eras/modern-client-on-legacy-peer.js';
import type { Exchange } from '../../../src/relay/eras/relay-types.js';

const envelope = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
const req = (id: string | number, method: string, params: Record<string, unknown> = {}): JsonRpcRequest => ({ jsonrpc: '2.0', id, method, params: { ...params, _meta: envelope } });
const exchange = (id: string | number): Exchange & { got: JsonRpcMessage[] } => {
  const got: JsonRpcMessage[] = [];
  return { id, got, deliver: (m) => got.push(m) };
};
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function relayOverRecorder(): { relay: ModernClientOnLegacyPeer; sent: JsonRpcMessage[] } {
  const sent: JsonRpcMessage[] = [];
  const relay = new ModernClientOnLegacyPeer({ peer: { send: (m) => (sent.push(m), true), close: () => undefined }, requestTimeoutMs: 5_000 });
  return { relay, sent };
}

async function answerHandshake(relay: ModernClientOnLegacyPeer, sent: JsonRpcMessage[]): Promise<void> {
  const init = sent.find((m) => (m as JsonRpcRequest).method === 'initialize') as JsonRpcRequest;
  relay.fromPeer({ jsonrpc: '2.0', id: init.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {}, resources: { subscribe: true } }, serverInfo: { name: 'old', version: '1' } } });
  await tick();
}

describe('ModernClientOnLegacyPeer.cancel(id)', () => {
  it('a request cancelled while the handshake runs is never sent; a call on the mux is cancelled toward the peer under its peer id', async () => {
    const { relay, sent } = relayOverRecorder();
    const early = exchange('early');
    relay.open(req('early', 'tools/call', { name: 'slow' }), early);
    relay.cancel('early');
    await answerHandshake(relay, sent);
    expect(sent.some((m) => (m as JsonRpcRequest).method === 'tools/call')).toBe(false);
    expect(early.got).toEqual([]);

    const call = exchange(1);
    relay.open(req(1, 'tools/call', { name: 'slow' }), call);
    const forwarded = sent.at(-1) as JsonRpcRequest;
    relay.cancel('1'); // a string id is another request than the number 1
    expect(relay.busy).toBe(true);
    relay.cancel(1);
    expect(sent.at(-1)).toEqual({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: forwarded.id, reason: 'the client closed the request' } });
    relay.fromPeer({ jsonrpc: '2.0', id: forwarded.id, result: { content: [] } }); // a late answer goes nowhere
    expect(call.got).toEqual([]);
    expect(relay.busy).toBe(false);
  });

  it('a listen is closed by its id: its subscription is undone', async () => {
    const { relay, sent } = relayOverRecorder();
    relay.open(req(0, 'server/discover'), exchange(0));
    await answerHandshake(relay, sent);
    const listen = exchange('L');
    relay.open(req('L', 'subscriptions/listen', { notifications: { resourceSubscriptions: ['a://1'] } }), listen);
    const subscribe = sent.at(-1) as JsonRpcRequest;
    expect(subscribe).toMatchObject({ method: 'resources/subscribe', params: { uri: 'a://1' } });
    relay.fromPeer({ jsonrpc: '2.0', id: subscribe.id, result: {} });
    await tick();
    relay.cancel('L');
    expect(sent.at(-1)).toMatchObject({ method: 'resources/unsubscribe', params: { uri: 'a://1' } });
    expect(relay.busy).toBe(false);
    relay.close(-32603, 'test over');
  });
});
