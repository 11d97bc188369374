import { describe, expect, it } from 'vitest';
import type { JsonRpcMessage, JsonRpcResponse } from '../../src/shared/jsonrpc.js';
import type { Link } from '../../src/relay/link.js';
import { Mux, type Exchange } from '../../src/relay/mux.js';

/** A peer link that records what the mux wrote (false once "gone"). */
function recordingPeer(): Link & { sent: JsonRpcMessage[]; gone: boolean } {
  const peer = { sent: [] as JsonRpcMessage[], gone: false, send: (m: JsonRpcMessage) => !peer.gone && peer.sent.push(m) > 0, close: () => undefined };
  return peer;
}

function muxOver(peer: Link, requestTimeoutMs?: number, others: JsonRpcResponse[] = []): Mux {
  const mux: Mux = new Mux({
    peer, idPrefix: 't', ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
    events: { response: (call, r) => mux.respond(call, r), otherResponse: (r) => void others.push(r), request: () => undefined, notification: () => undefined },
  });
  return mux;
}

describe('Mux: the relay\'s own requests', () => {
  it('go under a mux id, resolve with the peer\'s answer, and share the id space with callers\' calls', async () => {
    const peer = recordingPeer();
    const others: JsonRpcResponse[] = [];
    const mux = muxOver(peer, undefined, others);
    const delivered: JsonRpcMessage[] = [];
    const exchange: Exchange = { id: 7, deliver: (m) => delivered.push(m) };
    mux.forward({ jsonrpc: '2.0', id: 7, method: 'tools/list' }, exchange);
    const answer = mux.request('initialize', { protocolVersion: '2025-11-25' });
    expect(peer.sent.map((m) => ('id' in m ? m.id : undefined))).toEqual(['t1', 'tx2']);
    expect(mux.size).toBe(1); // own requests are not callers' calls
    mux.fromPeer({ jsonrpc: '2.0', id: 'tx2', result: { ok: true } });
    expect(await answer).toEqual({ jsonrpc: '2.0', id: 'tx2', result: { ok: true } });
    mux.fromPeer({ jsonrpc: '2.0', id: 'tx2', result: { again: true } }); // answered already: stale
    mux.fromPeer({ jsonrpc: '2.0', id: 't1', result: { tools: [] } });
    expect(delivered).toEqual([{ jsonrpc: '2.0', id: 7, result: { tools: [] } }]);
    expect(others).toEqual([{ jsonrpc: '2.0', id: 'tx2', result: { again: true } }]);
  });

  it('end with an error when the link refuses them, when the mux fails, or after the request timeout', async () => {
    const peer = recordingPeer();
    const mux = muxOver(peer, 50);
    const failed = mux.request('resources/subscribe', { uri: 'a://b' });
    mux.fail(-32000, 'the remote is gone');
    expect(await failed).toMatchObject({ error: { code: -32000, message: 'the remote is gone' } });
    const timedOut = mux.request('logging/setLevel', { level: 'debug' });
    expect(await timedOut).toMatchObject({ error: { message: 'the MCP server did not answer logging/setLevel within 0.05s' } });
    peer.gone = true;
    expect(await mux.request('initialize', {})).toMatchObject({ error: { message: 'MCP server process is not running' } });
  });
});
