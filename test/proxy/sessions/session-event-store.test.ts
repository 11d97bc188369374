import { describe, expect, it } from 'vitest';
import { SessionEventStore } from '../../../src/proxy/sessions/session-event-store.js';
import { primingEvent, sendsPrimingEvent, sseEvent } from '../../../src/proxy/http/direct-sse.js';

const note = (n: number) => ({ jsonrpc: '2.0' as const, method: 'notifications/progress', params: { progressToken: 't', progress: n } });
const answer = { jsonrpc: '2.0' as const, id: 1, result: {} };

describe('SessionEventStore (resumable SSE streams of one session)', () => {
  it('numbers events per stream and replays what came after an id, never the priming event', async () => {
    const store = new SessionEventStore({ maxEvents: 100, maxBytes: 1_000_000, now: () => 0 });
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
    const store = new SessionEventStore({ maxEvents: 100, maxBytes: 1_000_000, now: () => 0 });
    const first = store.openDirect('req-7');
    const second = store.openDirect('req-8');
    expect(second).not.toBe(first); // unique within the session
    store.append(first, undefined);
    expect(store.streamOf(`${first}_1`)).toEqual({ streamId: first, seq: 1, directRequest: 'req-7' });
    expect(store.streamOf(`${second}_1`)).toBeUndefined();
    store.append('sdk', note(1));
    expect(store.streamOf('sdk_1')?.directRequest).toBeUndefined();
  });

  it('keeps the newest events, and an answered stream for the retention time only', () => {
    let now = 0;
    const store = new SessionEventStore({ maxEvents: 2, maxBytes: 1_000_000, retentionMs: 1_000, now: () => now });
    for (let i = 1; i <= 4; i++) store.append('s', note(i));
    expect(store.after('s', 2).map((e) => e.id)).toEqual(['s_3', 's_4']);
    store.append('s', answer);
    now = 999;
    store.append('other', note(1));
    expect(store.streamOf('s_5')).toBeDefined();
    now = 1_001;
    store.append('other', note(2));
    expect(store.streamOf('s_5')).toBeUndefined();
  });

  it('keeps at most maxCompletedStreams answered streams', () => {
    const store = new SessionEventStore({ maxEvents: 10, maxBytes: 1_000_000, maxCompletedStreams: 2, now: () => 0 });
    for (const s of ['a', 'b', 'c']) store.append(s, answer);
    expect(store.streamOf('a_1')).toBeUndefined();
    expect(store.streamOf('b_1')).toBeDefined();
    expect(store.streamOf('c_1')).toBeDefined();
  });
});

describe('SessionEventStore bounds over all of the session\'s streams', () => {
  const bytesOf = (m: unknown): number => Buffer.byteLength(JSON.stringify(m), 'utf8');

  it('stays within both caps under a flood on many streams, dropping the oldest event first', () => {
    const maxEvents = 50;
    const maxBytes = 4_000;
    const store = new SessionEventStore({ maxEvents, maxBytes, now: () => 0 });
    const kept: Array<{ id: string; bytes: number }> = [];
    for (let i = 0; i < 20_000; i++) {
      const stream = `s${i % 7}`;
      // Sizes vary (and some are multi-byte) so the byte cap, not only the count, decides.
      const message = { jsonrpc: '2.0' as const, method: 'notifications/message', params: { data: 'é'.repeat(i % 97) } };
      kept.push({ id: store.append(stream, i % 11 === 0 ? undefined : message), bytes: i % 11 === 0 ? 0 : bytesOf(message) });
      expect(store.size).toBeLessThanOrEqual(maxEvents);
      expect(store.bytes).toBeLessThanOrEqual(maxBytes);
    }
    // Exactly the newest events that fit are kept: a suffix of the session-wide order.
    let events = 0;
    let bytes = 0;
    let first = kept.length;
    while (first > 0 && events + 1 <= maxEvents && bytes + kept[first - 1]!.bytes <= maxBytes) {
      first -= 1;
      events += 1;
      bytes += kept[first]!.bytes;
    }
    expect(store.size).toBe(events);
    expect(store.bytes).toBe(bytes);
    const keptIds = new Set<string>();
    for (let s = 0; s < 7; s++) for (const e of store.after(`s${s}`, 0)) keptIds.add(e.id);
    const expected = kept.slice(first).filter((k) => k.bytes > 0).map((k) => k.id);
    expect([...keptIds].sort()).toEqual(expected.sort());
  });

  it('one event larger than the byte cap is not kept (the store stays within the cap)', () => {
    const store = new SessionEventStore({ maxEvents: 10, maxBytes: 100, now: () => 0 });
    store.append('s', note(1));
    store.append('s', { jsonrpc: '2.0', method: 'notifications/message', params: { data: 'x'.repeat(500) } });
    expect(store.bytes).toBeLessThanOrEqual(100);
    expect(store.size).toBe(0);
  });

  it('a Last-Event-ID whose sequel was evicted is gone; one whose sequel is all kept still resumes', () => {
    const store = new SessionEventStore({ maxEvents: 3, maxBytes: 1_000_000, now: () => 0 });
    for (let i = 1; i <= 5; i++) store.append('s', note(i));
    // Kept: s_3, s_4, s_5. After s_1, s_2 is gone; after s_2 the rest is all there.
    expect(store.streamOf('s_1')).toBeUndefined();
    expect(store.streamOf('s_2')).toMatchObject({ streamId: 's', seq: 2 });
    expect(store.after('s', 2).map((e) => e.id)).toEqual(['s_3', 's_4', 's_5']);
    expect(store.streamOf('s_5')).toMatchObject({ seq: 5 });
    // Another stream's flood evicts this one's events too: one store for the whole session.
    for (let i = 1; i <= 3; i++) store.append('t', note(i));
    expect(store.streamOf('s_4')).toBeUndefined();
    expect(store.streamOf('s_5')).toMatchObject({ seq: 5 });
  });

  it('forgetting answered streams gives their events back to the caps, and the order does not grow without bound', () => {
    let now = 0;
    const store = new SessionEventStore({ maxEvents: 100_000, maxBytes: 100_000_000, retentionMs: 10, now: () => now });
    for (let i = 0; i < 5_000; i++) {
      now += 20;
      store.append(`p${i}`, note(i));
      store.append(`p${i}`, { ...answer, id: i });
    }
    // Every answered stream but the newest is forgotten once its retention passed.
    expect(store.size).toBeLessThanOrEqual(2);
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
