import { afterEach, describe, expect, it } from 'vitest';
import type { JsonRpcMessage, JsonRpcRequest } from '../../../src/shared/jsonrpc.js';
import { ADAPTER_CLIENT_CAPABILITIES } from '../../../src/relay/eras/client-capabilities.js';
import { ModernClientOnLegacyPeer } from '../../../src/relay/eras/modern-client-on-legacy-peer.js';
import { ModernPassthrough } from '../../../src/relay/eras/modern-passthrough.js';
import type { Link } from '../../../src/relay/link.js';
import type { Exchange } from '../../../src/relay/eras/relay-types.js';

const CAPS = { sampling: {} };
const env = (caps: Record<string, unknown> = CAPS): Record<string, unknown> => ({
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'unit', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': caps,
});
const req = (id: number, method: string, params: Record<string, unknown> = {}, caps?: Record<string, unknown>): JsonRpcRequest =>
  ({ jsonrpc: '2.0', id, method, params: { ...params, _meta: { ...env(caps), ...(params._meta as object) } } });

function exchange(id: number): Exchange & { got: JsonRpcMessage[] } {
  const got: JsonRpcMessage[] = [];
  return { id, got, deliver: (m) => got.push(m) };
}

/** Past the relay's collection window for a round of server→client requests (10 ms). */
const collected = (): Promise<void> => new Promise((r) => setTimeout(r, 40));

const relays: Array<{ close(code: number, message: string): void }> = [];
afterEach(() => {
  for (const r of relays.splice(0)) r.close(-32603, 'test over');
});

/** A peer link that records what the relay wrote toward the peer (a plain recorder, not a mock of our code). */
function recorder(sent: JsonRpcMessage[]): Link {
  return { send: (m) => (sent.push(m), true), close: () => undefined };
}

/** A relay and the messages it wrote toward the child (a plain recorder, not a mock of our code). */
function legacy(): { relay: ModernClientOnLegacyPeer; sent: JsonRpcMessage[]; last: () => Record<string, unknown> } {
  const sent: JsonRpcMessage[] = [];
  const relay = new ModernClientOnLegacyPeer({ peer: recorder(sent), requestTimeoutMs: 5_000 });
  relays.push(relay);
  return { relay, sent, last: () => sent[sent.length - 1] as unknown as Record<string, unknown> };
}

async function handshake(relay: ModernClientOnLegacyPeer, sent: JsonRpcMessage[], caps: Record<string, unknown> = { tools: {}, resources: { subscribe: true } }): Promise<void> {
  const init = sent[0] as JsonRpcRequest;
  expect(init.method).toBe('initialize');
  relay.fromPeer({ jsonrpc: '2.0', id: init.id, result: { protocolVersion: '2025-11-25', capabilities: caps, serverInfo: { name: 'old', version: '1' } } });
  await new Promise((r) => setImmediate(r));
  expect((sent[1] as { method: string }).method).toBe('notifications/initialized');
}

describe('ModernClientOnLegacyPeer: a 2026-07-28 client on a 2025-era peer', () => {
  it('initialises with the first envelope, then answers server/discover from the initialize result', async () => {
    const { relay, sent } = legacy();
    const ex = exchange(1);
    relay.open(req(1, 'server/discover'), ex);
    expect((sent[0] as JsonRpcRequest).params).toMatchObject({ protocolVersion: '2025-11-25', capabilities: ADAPTER_CLIENT_CAPABILITIES, clientInfo: { name: 'unit' } });
    expect(ex.got).toEqual([]);
    await handshake(relay, sent);
    expect(ex.got[0]).toMatchObject({ id: 1, result: { supportedVersions: ['2026-07-28'], ttlMs: 0, cacheScope: 'private', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'old' } } } });
  });

  it('multiplexes clients with colliding ids and progress tokens, mapping both back', async () => {
    const { relay, sent } = legacy();
    relay.open(req(0, 'server/discover'), exchange(0));
    await handshake(relay, sent);
    const a = exchange(1);
    const b = exchange(1);
    relay.open(req(1, 'tools/call', { name: 'x', _meta: { progressToken: 't' } }), a);
    relay.open(req(1, 'tools/call', { name: 'y', _meta: { progressToken: 't' } }), b);
    const [ca, cb] = sent.slice(-2) as JsonRpcRequest[];
    expect(ca!.id).not.toBe(cb!.id);
    expect(ca!.params?._meta?.progressToken).not.toBe(cb!.params?._meta?.progressToken);
    relay.fromPeer({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: cb!.params!._meta!.progressToken as string, progress: 1 } });
    relay.fromPeer({ jsonrpc: '2.0', id: cb!.id, result: { content: [] } });
    expect(a.got).toEqual([]);
    expect(b.got).toEqual([
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: 1 } },
      { jsonrpc: '2.0', id: 1, result: { content: [], resultType: 'complete' } },
    ]);
  });

  it('parks a call on the child\'s sampling request and resumes it on the retry', async () => {
    const { relay, sent, last } = legacy();
    relay.open(req(0, 'server/discover'), exchange(0));
    await handshake(relay, sent);
    const first = exchange(1);
    relay.open(req(1, 'tools/call', { name: 'sample' }), first);
    const call = last() as { id: string };
    relay.fromPeer({ jsonrpc: '2.0', id: 'ask-1', method: 'sampling/createMessage', params: { messages: [], maxTokens: 5 } });
    await collected();
    const ir = (first.got[0] as unknown as { result: { resultType: string; inputRequests: Record<string, unknown>; requestState: string } }).result;
    expect(ir.resultType).toBe('input_required');
    expect(ir.inputRequests).toEqual({ 'sampling-1': { method: 'sampling/createMessage', params: { messages: [], maxTokens: 5 } } });
    const retry = exchange(2);
    const answer = { role: 'assistant', content: { type: 'text', text: 'ok' }, model: 'm' };
    relay.open(req(2, 'tools/call', { name: 'sample', requestState: ir.requestState, inputResponses: { 'sampling-1': answer } }), retry);
    expect(last()).toEqual({ jsonrpc: '2.0', id: 'ask-1', result: answer });
    relay.fromPeer({ jsonrpc: '2.0', id: call.id, result: { content: [{ type: 'text', text: 'done' }] } });
    expect(retry.got).toEqual([{ jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'done' }], resultType: 'complete' } }]);
    expect(relay.busy).toBe(false);
  });

  it('refuses a retry for another request and a server→client request with no call to carry it', async () => {
    const { relay, sent, last } = legacy();
    relay.open(req(0, 'server/discover'), exchange(0));
    await handshake(relay, sent);
    relay.fromPeer({ jsonrpc: '2.0', id: 'roots-1', method: 'roots/list' });
    expect(last()).toMatchObject({ id: 'roots-1', error: { code: -32601 } });
    const first = exchange(1);
    relay.open(req(1, 'tools/call', { name: 'sample' }), first);
    relay.fromPeer({ jsonrpc: '2.0', id: 'ask-1', method: 'sampling/createMessage', params: {} });
    await collected();
    const state = (first.got[0] as unknown as { result: { requestState: string } }).result.requestState;
    const other = exchange(2);
    relay.open(req(2, 'tools/call', { name: 'echo', requestState: state, inputResponses: {} }), other);
    expect(other.got[0]).toMatchObject({ error: { code: -32602 } });
  });

  it('answers the removed methods itself with -32601, without starting the handshake', () => {
    const { relay, sent } = legacy();
    for (const [i, method] of ['ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe'].entries()) {
      const ex = exchange(i);
      relay.open(req(i, method, method.startsWith('resources') ? { uri: 'a://1' } : {}), ex);
      expect(ex.got).toEqual([{ jsonrpc: '2.0', id: i, error: { code: -32601, message: `Method not found: ${method} is not part of protocol revision 2026-07-28` } }]);
    }
    expect(sent).toEqual([]);
  });

  it('collects server→client requests sent together into one round, with a fresh requestState per round', async () => {
    const { relay, sent, last } = legacy();
    relay.open(req(0, 'server/discover'), exchange(0));
    await handshake(relay, sent);
    const caps = { sampling: {}, elicitation: {}, roots: {} };
    const first = exchange(1);
    relay.open(req(1, 'tools/call', { name: 'ask' }, caps), first);
    const call = last() as { id: string };
    relay.fromPeer({ jsonrpc: '2.0', id: 'e1', method: 'elicitation/create', params: { message: 'name?', requestedSchema: {} } });
    relay.fromPeer({ jsonrpc: '2.0', id: 's1', method: 'sampling/createMessage', params: { messages: [], maxTokens: 5 } });
    relay.fromPeer({ jsonrpc: '2.0', id: 'r1', method: 'roots/list' });
    await collected();
    expect(first.got).toHaveLength(1);
    const round1 = (first.got[0] as unknown as { result: { inputRequests: Record<string, { method: string }>; requestState: string } }).result;
    expect(Object.values(round1.inputRequests).map((r) => r.method)).toEqual(['elicitation/create', 'sampling/createMessage', 'roots/list']);
    const second = exchange(2);
    relay.open(req(2, 'tools/call', { name: 'ask', requestState: round1.requestState, inputResponses: { 'elicitation-1': { action: 'decline' }, 'sampling-2': { role: 'assistant', content: { type: 'text', text: 'x' }, model: 'm' }, 'roots-3': { roots: [] } } }, caps), second);
    expect(sent.slice(-3).map((m) => (m as { id: string }).id)).toEqual(['e1', 's1', 'r1']);
    relay.fromPeer({ jsonrpc: '2.0', id: 'e2', method: 'elicitation/create', params: { message: 'again?', requestedSchema: {} } });
    await collected();
    const round2 = (second.got[0] as unknown as { result: { inputRequests: Record<string, unknown>; requestState: string } }).result;
    expect(Object.keys(round2.inputRequests)).toEqual(['elicitation-4']);
    expect(round2.requestState).not.toBe(round1.requestState);
    const replay = exchange(3);
    relay.open(req(3, 'tools/call', { name: 'ask', requestState: round1.requestState, inputResponses: { 'elicitation-1': { action: 'accept', content: {} } } }, caps), replay);
    expect(replay.got[0]).toMatchObject({ id: 3, error: { code: -32602, message: expect.stringContaining('earlier round') } });
    const third = exchange(4);
    relay.open(req(4, 'tools/call', { name: 'ask', requestState: round2.requestState, inputResponses: { 'elicitation-4': { action: 'cancel' } } }, caps), third);
    expect(last()).toEqual({ jsonrpc: '2.0', id: 'e2', result: { action: 'cancel' } });
    relay.fromPeer({ jsonrpc: '2.0', id: call.id, result: { content: [] } });
    expect(third.got).toEqual([{ jsonrpc: '2.0', id: 4, result: { content: [], resultType: 'complete' } }]);
    expect(relay.busy).toBe(false);
  });

  it('refuses to the child what the request did not declare, and the call goes on (no -32021: the ask may be incidental)', async () => {
    const { relay, sent, last } = legacy();
    relay.open(req(0, 'server/discover'), exchange(0));
    await handshake(relay, sent);
    const ex = exchange(1);
    relay.open(req(1, 'tools/call', { name: 'elicit' }, { elicitation: {} }), ex);
    const call = last() as unknown as JsonRpcRequest;
    relay.fromPeer({ jsonrpc: '2.0', id: 'u1', method: 'elicitation/create', params: { mode: 'url', url: 'https://example.com/x', message: 'go', elicitationId: 'x' } });
    relay.fromPeer({ jsonrpc: '2.0', id: 'r1', method: 'roots/list' });
    relay.fromPeer({ jsonrpc: '2.0', id: 'f1', method: 'elicitation/create', params: { message: 'name?', requestedSchema: {} } });
    await collected();
    expect(sent.slice(-2)).toEqual([
      { jsonrpc: '2.0', id: 'u1', error: { code: -32601, message: 'elicitation/create cannot be relayed: the client did not declare the elicitation.url capability on this request', data: { requiredCapabilities: { elicitation: { url: {} } } } } },
      { jsonrpc: '2.0', id: 'r1', error: { code: -32601, message: 'roots/list cannot be relayed: the client did not declare the roots capability on this request', data: { requiredCapabilities: { roots: {} } } } },
    ]);
    const round = (ex.got[0] as unknown as { result: { inputRequests: Record<string, { method: string }> } }).result;
    expect(Object.keys(round.inputRequests)).toEqual(['elicitation-3']);
    const only = exchange(2);
    relay.open(req(2, 'tools/call', { name: 'elicit' }, {}), only);
    relay.fromPeer({ jsonrpc: '2.0', id: 's1', method: 'sampling/createMessage', params: { messages: [], maxTokens: 1 } });
    await collected();
    expect(last()).toMatchObject({ id: 's1', error: { code: -32601 } });
    relay.fromPeer({ jsonrpc: '2.0', id: (sent.find((m) => (m as JsonRpcRequest).method === 'tools/call' && m !== call) as JsonRpcRequest).id, result: { content: [] } });
    expect(only.got).toEqual([{ jsonrpc: '2.0', id: 2, result: { content: [], resultType: 'complete' } }]);
  });

  it('maps subscriptions/listen onto resources/subscribe and stamps the child\'s updates', async () => {
    const { relay, sent, last } = legacy();
    relay.open(req(0, 'server/discover'), exchange(0));
    await handshake(relay, sent, { resources: { subscribe: true } });
    const listen = exchange(5);
    const close = relay.open(req(5, 'subscriptions/listen', { notifications: { resourceSubscriptions: ['a://1'], toolsListChanged: true } }), listen);
    const sub = last() as unknown as JsonRpcRequest;
    expect(sub).toMatchObject({ method: 'resources/subscribe', params: { uri: 'a://1' } });
    relay.fromPeer({ jsonrpc: '2.0', id: sub.id, result: {} });
    await new Promise((r) => setImmediate(r));
    expect(listen.got[0]).toEqual({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: { resourceSubscriptions: ['a://1'] }, _meta: { 'io.modelcontextprotocol/subscriptionId': 5 } } });
    relay.fromPeer({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'a://1' } });
    expect(listen.got[1]).toMatchObject({ method: 'notifications/resources/updated', params: { uri: 'a://1', _meta: { 'io.modelcontextprotocol/subscriptionId': 5 } } });
    close();
    expect(last()).toMatchObject({ method: 'resources/unsubscribe', params: { uri: 'a://1' } });
  });
});

describe('ModernClientOnLegacyPeer: listens', () => {
  it('keeps an update the child sends in the same read as its subscribe answer, and delivers it after the acknowledgement', async () => {
    const { relay, sent, last } = legacy();
    relay.open(req(0, 'server/discover'), exchange(0));
    await handshake(relay, sent, { resources: { subscribe: true } });
    const listen = exchange(6);
    relay.open(req(6, 'subscriptions/listen', { notifications: { resourceSubscriptions: ['a://2'] } }), listen);
    const sub = last() as unknown as JsonRpcRequest;
    relay.fromPeer({ jsonrpc: '2.0', id: sub.id, result: {} });
    relay.fromPeer({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'a://2' } });
    relay.fromPeer({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'a://other' } });
    await new Promise((r) => setImmediate(r));
    expect(listen.got.map((m) => (m as { method: string }).method)).toEqual(['notifications/subscriptions/acknowledged', 'notifications/resources/updated']);
    expect(listen.got[1]).toMatchObject({ params: { uri: 'a://2', _meta: { 'io.modelcontextprotocol/subscriptionId': 6 } } });
  });

  it('undoes the subscription once when a listen closes before its acknowledgement', async () => {
    const { relay, sent, last } = legacy();
    relay.open(req(0, 'server/discover'), exchange(0));
    await handshake(relay, sent, { resources: { subscribe: true } });
    const close = relay.open(req(7, 'subscriptions/listen', { notifications: { resourceSubscriptions: ['a://3'] } }), exchange(7));
    const sub = last() as unknown as JsonRpcRequest;
    close();
    relay.fromPeer({ jsonrpc: '2.0', id: sub.id, result: {} });
    await new Promise((r) => setImmediate(r));
    expect(sent.filter((m) => (m as JsonRpcRequest).method === 'resources/unsubscribe')).toHaveLength(1);
    expect(relay.busy).toBe(false);
  });
});

describe('ModernPassthrough: multiplexing only', () => {
  it('rewrites ids and the listen subscription id both ways', () => {
    const sent: JsonRpcMessage[] = [];
    const relay = new ModernPassthrough({ peer: recorder(sent), requestTimeoutMs: 5_000 });
    relays.push(relay);
    const listen = exchange(3);
    const close = relay.open(req(3, 'subscriptions/listen', { notifications: { toolsListChanged: true } }), listen);
    const childId = (sent[0] as JsonRpcRequest).id;
    relay.fromPeer({ jsonrpc: '2.0', method: 'notifications/tools/list_changed', params: { _meta: { 'io.modelcontextprotocol/subscriptionId': childId } } });
    expect(listen.got[0]).toEqual({ jsonrpc: '2.0', method: 'notifications/tools/list_changed', params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 3 } } });
    close();
    expect(sent[1]).toMatchObject({ method: 'notifications/cancelled', params: { requestId: childId } });
  });

  it('gives a modern child\'s server/discover the endpoint\'s versions and valid cache hints', () => {
    const sent: JsonRpcMessage[] = [];
    const relay = new ModernPassthrough({ peer: recorder(sent), requestTimeoutMs: 5_000, supportedVersions: ['2026-07-28', '2025-11-25'] });
    relays.push(relay);
    const ex = exchange(9);
    relay.open(req(9, 'server/discover'), ex);
    relay.fromPeer({ jsonrpc: '2.0', id: (sent[0] as JsonRpcRequest).id, result: { supportedVersions: ['2026-07-28'], capabilities: {}, resultType: 'complete', ttlMs: 5_000, cacheScope: 'public' } });
    expect(ex.got).toEqual([{ jsonrpc: '2.0', id: 9, result: { supportedVersions: ['2026-07-28', '2025-11-25'], capabilities: {}, resultType: 'complete', ttlMs: 5_000, cacheScope: 'public' } }]);
    const bare = exchange(10);
    relay.open(req(10, 'server/discover'), bare);
    relay.fromPeer({ jsonrpc: '2.0', id: (sent[1] as JsonRpcRequest).id, result: { supportedVersions: ['2026-07-28'], capabilities: {}, resultType: 'complete' } });
    expect(bare.got[0]).toMatchObject({ result: { ttlMs: 0, cacheScope: 'private' } });
  });
});
