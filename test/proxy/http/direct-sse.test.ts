import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectStreams, sseEvent, sseHeaders, TICKS_PER_KEEP_ALIVE } from '../../../src/proxy/http/direct-sse.js';
import { SessionEventStore } from '../../../src/proxy/sessions/session-event-store.js';
import { waitFor } from '../../helpers/proxy-harness.js';

const TICK_MS = 10;
let server: Server;
let base: string;
let streams: DirectStreams;

beforeAll(async () => {
  streams = new DirectStreams(TICK_MS);
  // GET /<id> opens the direct stream of request <id>.
  server = createServer((req, res) => streams.open(Number(req.url!.slice(1)), res, sseHeaders('session-1', {})));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  streams.closeAll();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

interface Exchange {
  response: Promise<IncomingMessage>;
  /** Body text received so far. */
  body: () => string;
  ended: Promise<string>;
  abort: () => void;
}

function open(id: number): Exchange {
  let text = '';
  let abort = (): void => undefined;
  let resolveEnd!: (s: string) => void;
  const ended = new Promise<string>((r) => (resolveEnd = r));
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(`${base}/${id}`, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolveEnd(text));
      res.on('error', () => resolveEnd(text));
      resolve(res);
    });
    abort = () => req.destroy();
    req.on('error', reject);
    req.end();
  });
  response.catch(() => undefined);
  return { response, body: () => text, ended, abort };
}

describe('direct SSE streams (the SDK transport wire format, written on the Node response)', () => {
  it('frames each message as an SSE event with the transport headers, and ends the stream with the response', async () => {
    const x = open(1);
    await waitFor(() => streams.size === 1, 2_000, 5);
    const progress = { jsonrpc: '2.0' as const, method: 'notifications/progress', params: { progressToken: 't', progress: 1 } };
    const answer = { jsonrpc: '2.0' as const, id: 1, result: { content: [{ type: 'text', text: 'a\nb' }] } };
    expect(streams.deliver(progress, 1)).toBe(true);
    expect(streams.deliver(answer, 1)).toBe(true);
    const res = await x.response;
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'content-type': 'text/event-stream',
      'mcp-session-id': 'session-1',
      'x-accel-buffering': 'no',
      'transfer-encoding': 'chunked',
    });
    const body = await x.ended;
    expect(body).toBe(`event: message\ndata: ${JSON.stringify(progress)}\n\nevent: message\ndata: ${JSON.stringify(answer)}\n\n`);
    expect(sseEvent(answer)).toBe(`event: message\ndata: ${JSON.stringify(answer)}\n\n`);
    // The child's own text is the data when it is one SSE line (no CR); else the message is serialised again.
    const line = '{"jsonrpc": "2.0", "id": 7, "result": {"big": 12345678901234567890}}';
    expect(sseEvent(JSON.parse(line), 'e_1', line)).toBe(`event: message\nid: e_1\ndata: ${line}\n\n`);
    const withCr = '{"jsonrpc":"2.0",\r"id":7,"result":{}}';
    expect(sseEvent(JSON.parse(withCr), undefined, withCr)).toBe(`event: message\ndata: ${JSON.stringify(JSON.parse(withCr))}\n\n`);
    expect(body.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)))).toEqual([progress, answer]);
    // The stream is over: nothing more is taken for its id.
    expect(streams.size).toBe(0);
    expect(streams.deliver(answer, 1)).toBe(false);
  });

  it('keeps CORS headers in front of the SSE headers', () => {
    expect(Object.keys(sseHeaders('s', { 'Access-Control-Allow-Origin': 'https://a.example', Vary: 'Origin' }))).toEqual([
      'Access-Control-Allow-Origin', 'Vary', 'cache-control', 'connection', 'content-type', 'mcp-session-id', 'x-accel-buffering',
    ]);
  });

  it('flushes the headers at the first tick of a slow answer, then sends keep-alive comments', async () => {
    const x = open(2);
    const res = await x.response; // no message yet: only the tick can have sent the headers
    expect(res.statusCode).toBe(200);
    expect(await waitFor(() => x.body().includes(': keepalive\n\n'), 5_000, TICK_MS)).toBe(true);
    expect(TICKS_PER_KEEP_ALIVE).toBe(15);
    streams.deliver({ jsonrpc: '2.0', id: 2, result: {} }, 2);
    expect(await x.ended).toMatch(/^(: keepalive\n\n)+event: message\ndata: \{"jsonrpc":"2.0","id":2,"result":\{\}\}\n\n$/);
  });

  it('forgets a stream whose client left, at the next tick', async () => {
    const x = open(3);
    await x.response;
    expect(streams.size).toBe(1);
    x.abort();
    expect(await waitFor(() => streams.size === 0, 2_000, TICK_MS)).toBe(true);
    expect(streams.deliver({ jsonrpc: '2.0', id: 3, result: {} }, 3)).toBe(false);
  });

  it('ends the older stream when a request id is reused, and every stream on closeAll', async () => {
    const first = open(4);
    await first.response;
    const second = open(4);
    expect(await first.ended).toBe('');
    await second.response;
    const third = open(5);
    await third.response;
    streams.closeAll();
    expect(await second.ended).toBe('');
    expect(await third.ended).toBe('');
    expect(streams.size).toBe(0);
  });
});

describe('direct SSE streams with the session event store', () => {
  it('keep recording for a client that left until the answer, and forget a cancelled request', async () => {
    const store = new SessionEventStore({ maxEvents: 100, maxBytes: 1_000_000, now: () => Date.now() });
    const kept = new DirectStreams(TICK_MS, store);
    const srv = createServer((req, res) => kept.open(Number(req.url!.slice(1)), res, sseHeaders('session-2', {}), true));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      for (const id of [1, 2]) {
        const req = request(`${url}/${id}`);
        req.on('error', () => undefined);
        req.end();
        await waitFor(() => kept.size === id, 2_000, 5);
        req.destroy();
      }
      await new Promise((r) => setTimeout(r, 5 * TICK_MS));
      expect(kept.size).toBe(2);
      expect(kept.deliver({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: 1 } }, 1)).toBe(true);
      expect(kept.deliver({ jsonrpc: '2.0', id: 1, result: {} }, 1)).toBe(true);
      kept.cancelled(2);
      expect(kept.size).toBe(0);
    } finally {
      kept.closeAll();
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  });
});
