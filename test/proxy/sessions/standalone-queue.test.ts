import { describe, expect, it } from 'vitest';
import { StandaloneQueue } from '../../../src/proxy/sessions/standalone-queue.js';
import type { JsonRpcMessage } from '../../../src/shared/jsonrpc.js';

const note = (n: number): JsonRpcMessage => ({ jsonrpc: '2.0', method: 'notifications/message', params: { n } });
const nOf = (m: JsonRpcMessage): unknown => ('params' in m ? m.params?.n : undefined);

describe('StandaloneQueue (server messages kept for the GET stream)', () => {
  it('keeps the newest max messages, tells of each drop, and sends them oldest first while a stream is open', () => {
    let drops = 0;
    const q = new StandaloneQueue(2, () => (drops += 1));
    for (let n = 1; n <= 4; n++) q.push(note(n));
    expect(drops).toBe(2);
    const sent: unknown[] = [];
    let open = true;
    q.flush(() => open, (m) => {
      sent.push(nOf(m));
      open = false; // the stream closed after the first one: the rest stays queued
    });
    expect(sent).toEqual([3]);
    open = true;
    q.flush(() => open, (m) => sent.push(nOf(m)));
    expect(sent).toEqual([3, 4]);
  });
});
