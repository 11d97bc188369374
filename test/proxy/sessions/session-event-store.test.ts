import { describe, expect, it } from 'vitest';
import { SessionEventStore } from '../../../src/proxy/sessions/session-event-store.js';
import { primingEvent, sendsPrimingEvent, sseEvent } from '../../../src/proxy/http/direct-sse.js';

const note = (n: number) => ({ jsonrpc: '2.0' as const, method: 'notifications/progress', params: { progressToken: 't', progress: n } });
const answer = { jsonrpc: '2.0' as const, id: 1, result: {} };

describe('SessionEventStore (resumable SSE streams of one session)', () => {
  it('numbers events per stream and replays what came after an id, never the priming event', async () => {
    const store = new SessionEventStore({ maxEventsPerStream: 100, now: () => 0 });
    const priming = store.append('s1', undefined);
    expect(priming).toBe('s1_1');
    expect(store.append('s1', note(1))).toBe('s1_2');
    expect(store.append('_GET_stream', note(9))).toBe('_GET_stream_1');
    expect(await store.storeEvent('s1', note(2))).toBe('s1_3');
    expect(store.after('s1', 1).map((e) => e.id)).toEqual(['s1_2', 's1_3']);
    const sent: string[] = [];
    expect(await store.replayEventsAfter('s1_2', { send: async (id) => void sent.push(id) })).toBe('s1');
    expect(sent).toEqual(['s1_3']);
    expect(await store.getStreamIdForEventId('_GET_stream_1')).toBe('_GET_stream');
    expect(await store.getStreamIdForEventId('s1_9')).toBeUndefined();
    expect(await store.getStreamIdForEventId('nope')).toBeUndefined();
    await expect(store.replayEventsAfter('x_1', { send: async () => undefined })).rejects.toThrow(/unknown event id/);
  });

  it('knows which request a direct stream answers', () => {
    const store = new SessionEventStore({ maxEventsPerStream: 100, now: () => 0 });
    store.openDirect('d1', 'req-7');
    store.append('d1', undefined);
    expect(store.streamOf('d1_1')).toEqual({ streamId: 'd1', seq: 1, directRequest: 'req-7' });
    store.append('sdk', note(1));
    expect(store.streamOf('sdk_1')?.directRequest).toBeUndefined();
  });

  it('keeps the newest events of a stream, and an answered stream for the retention time only', () => {
    let now = 0;
    const store = new SessionEventStore({ maxEventsPerStream: 2, retentionMs: 1_000, now: () => now });
    for (let i = 1; i <= 4; i++) store.append('s', note(i));
    expect(store.after('s', 0).map((e) => e.id)).toEqual(['s_3', 's_4']);
    store.append('s', answer);
    now = 999;
    store.append('other', note(1));
    expect(store.streamOf('s_5')).toBeDefined();
    now = 1_001;
    store.append('other', note(2));
    expect(store.streamOf('s_5')).toBeUndefined();
  });

  it('keeps at most maxCompletedStreams answered streams', () => {
    const store = new SessionEventStore({ maxEventsPerStream: 10, maxCompletedStreams: 2, now: () => 0 });
    for (const s of ['a', 'b', 'c']) store.append(s, answer);
    expect(store.streamOf('a_1')).toBeUndefined();
    expect(store.streamOf('b_1')).toBeDefined();
    expect(store.streamOf('c_1')).toBeDefined();
  });
});

describe('SSE framing of resumable streams (the SDK transport\'s bytes)', () => {
  it('primes only clients of 2025-11-25 and later supported revisions', () => {
    const supported = ['2025-11-25', '2025-06-18', '2025-03-26'];
    expect(sendsPrimingEvent('2025-11-25', supported)).toBe(true);
    expect(sendsPrimingEvent('2025-06-18', supported)).toBe(false);
    expect(sendsPrimingEvent(undefined, supported)).toBe(false);
    expect(sendsPrimingEvent('2099-01-01', supported)).toBe(false);
    expect(primingEvent('s_1')).toBe('id: s_1\nretry: 1000\ndata: \n\n');
    expect(sseEvent(answer, 's_2')).toBe(`event: message\nid: s_2\ndata: ${JSON.stringify(answer)}\n\n`);
  });
});
