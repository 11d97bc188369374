import { describe, expect, it } from 'vitest';
import { isReplayId, negotiatedVersion, replayInitialize } from '../../../src/client/routes/handshake-replay.js';
import { PendingRequests } from '../../../src/client/routes/pending-requests.js';

describe('PendingRequests', () => {
  it('keeps string and numeric ids apart', () => {
    const p = new PendingRequests();
    p.add(1, 'a');
    p.add('1', 'b');
    expect(p.take(1)?.method).toBe('a');
    expect(p.take('1')?.method).toBe('b');
    expect(p.take(1)).toBeUndefined();
  });
  it('hands back requests accepted by older channel generations', () => {
    const p = new PendingRequests();
    p.add(1, 'old');
    p.add(2, 'current');
    p.add(3, 'unsent');
    p.markSent(1, 1);
    p.markSent(2, 2);
    expect(p.takeSentBefore(2).map((e) => e.id)).toEqual([1]);
    expect(p.size).toBe(2);
    expect(p.takeAll().map((e) => e.id)).toEqual([2, 3]);
  });
});

describe('handshake replay', () => {
  it('replays the original initialize under an id of its own', () => {
    const initialize = { jsonrpc: '2.0' as const, id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', _meta: { x: 1 } } };
    const replay = replayInitialize({ initialize }, 3);
    expect(replay).toEqual({ ...initialize, id: 'mcp-client/replay-initialize/3' });
    expect(isReplayId(replay?.id)).toBe(true);
    expect(isReplayId(0)).toBe(false);
    expect(replayInitialize({}, 1)).toBeUndefined();
  });
  it('reads the negotiated protocol version', () => {
    expect(negotiatedVersion({ protocolVersion: '2025-11-25' })).toBe('2025-11-25');
    expect(negotiatedVersion({})).toBeUndefined();
    expect(negotiatedVersion(null)).toBeUndefined();
  });
});
