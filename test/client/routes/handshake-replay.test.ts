import { describe, expect, it } from 'vitest';
import { isReplayId, negotiatedVersion, replayInitialize } from '../../../src/client/routes/handshake-replay.js';

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
