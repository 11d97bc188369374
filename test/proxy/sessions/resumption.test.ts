import { request, type ClientRequest } from 'node:http';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../../src/proxy/server.js';
import { PROXY_DEFAULTS } from '../../../src/proxy/proxy-options.js';
import { startFixtureProxy as startProxyBinary, type ProxyBinary } from '../../helpers/proxy-binary.js';
import { FIXTURE, memoryLogger, textOf } from '../../helpers/proxy-harness.js';
import { ACCEPT, openSession } from '../../helpers/raw-http.js';

/**
 * 2025-era POST streams are resumable (2025-11-25 § Resumability): they start with a priming event (an
 * id and `retry`), every event has an id, and a client whose connection broke GETs the rest of the
 * stream with `Last-Event-ID`. Through the binary (the direct path serves plain in-session POSTs) and
 * through the SDK transport path (`directPost: false`), which must behave the same.
 */

interface SseEvent {
  id?: string;
  retry?: string;
  data?: string;
}

function parse(text: string): SseEvent[] {
  return text.split('\n\n').filter((block) => block.trim() !== '' && !block.startsWith(':')).map((block) => {
    const event: SseEvent = {};
    for (const line of block.split('\n')) {
      const cut = line.indexOf(': ');
      const [field, value] = cut < 0 ? [line.replace(/:$/, ''), ''] : [line.slice(0, cut), line.slice(cut + 2)];
      if (field === 'id' || field === 'retry' || field === 'data') event[field] = value;
    }
    return event;
  });
}

/**
 * Sends `method` with `headers` and reads the SSE answer until `enough(events)` holds, then breaks the
 * connection (or reads to the end when `enough` is never true). Bounded at 10 s.
 */
function streamUntil(url: string, method: 'POST' | 'GET', headers: Record<string, string>, body: string | undefined, enough: (events: SseEvent[]) => boolean = () => false): Promise<{ status: number; events: SseEvent[]; ended: boolean; text: string }> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | undefined = undefined;
    const timer = setTimeout(() => req?.destroy(new Error('no enough events within 10s')), 10_000);
    req = request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      const done = (ended: boolean): void => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, events: parse(text), ended, text });
      };
      res.on('data', (chunk: string) => {
        text += chunk;
        if (enough(parse(text))) {
          done(false);
          req!.destroy();
        }
      });
      res.on('end', () => done(true));
      res.on('error', () => undefined);
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      if (!req!.destroyed || error.message.includes('within')) reject(error);
    });
    req.end(body);
  });
}

const dataOf = (events: SseEvent[]): Array<Record<string, unknown>> => events.filter((e) => e.data).map((e) => JSON.parse(e.data!) as Record<string, unknown>);

function resumptionSuite(name: string, start: () => Promise<{ url: string; stop: () => Promise<unknown> }>): void {
  describe(name, () => {
    let url: string;
    let stop: () => Promise<unknown>;
    let sid: string;
    beforeAll(async () => {
      ({ url, stop } = await start());
      sid = await openSession(url);
    });
    afterAll(async () => {
      await stop();
    });
    const headers = (): Record<string, string> => ({ 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });

    it('a broken POST stream is resumed with Last-Event-ID: the rest of it, then the answer, nothing twice', async () => {
      const call = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'progress', arguments: { steps: 4, delayMs: 150 }, _meta: { progressToken: 'p' } } });
      const first = await streamUntil(url, 'POST', headers(), call, (events) => dataOf(events).length >= 1);
      expect(first.status).toBe(200);
      expect(first.events[0]).toEqual({ id: expect.stringMatching(/_1$/), retry: '1000', data: '' });
      const seen = dataOf(first.events);
      expect(seen.every((m) => m.method === 'notifications/progress')).toBe(true);
      const lastId = first.events[first.events.length - 1]!.id!;
      const rest = await streamUntil(url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', 'last-event-id': lastId }, undefined);
      expect(rest.status).toBe(200);
      expect(rest.ended).toBe(true);
      const resumed = dataOf(rest.events);
      expect(resumed[resumed.length - 1]).toMatchObject({ id: 7, result: { content: [{ text: 'done 4' }] } });
      const progress = [...seen, ...resumed].filter((m) => m.method === 'notifications/progress').map((m) => (m.params as { progress: number }).progress);
      expect(progress).toEqual([1, 2, 3, 4]);
      const stream = lastId.slice(0, lastId.lastIndexOf('_'));
      const seq = (id: string): number => Number(id.slice(id.lastIndexOf('_') + 1));
      expect(rest.events.every((e) => e.id?.startsWith(`${stream}_`) && seq(e.id) > seq(lastId))).toBe(true);
    });

    it('an answer that came while the client was away is replayed at once', async () => {
      const call = JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'progress', arguments: { steps: 1, delayMs: 200 } } });
      const first = await streamUntil(url, 'POST', headers(), call, (events) => events.length >= 1);
      const primingId = first.events[0]!.id!;
      await new Promise((r) => setTimeout(r, 600));
      const rest = await streamUntil(url, 'GET', { accept: 'text/event-stream', 'mcp-session-id': sid, 'last-event-id': primingId }, undefined);
      expect(rest.ended).toBe(true);
      expect(dataOf(rest.events)).toEqual([{ jsonrpc: '2.0', id: 8, result: { content: [{ type: 'text', text: 'done 1' }] } }]);
    });

    it('a resumption of a stream that still has its client is a conflict (409)', async () => {
      const call = JSON.stringify({ jsonrpc: '2.0', id: 10, method: 'tools/call', params: { name: 'progress', arguments: { steps: 1, delayMs: 2_500 } } });
      // The direct path sends the priming event of a slow answer at its first tick (within ~1 s).
      let primingId: string | undefined;
      const original = streamUntil(url, 'POST', headers(), call, (events) => {
        primingId ??= events[0]?.id;
        return false;
      });
      await new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + 5_000;
        const check = (): void => (primingId ? resolve() : Date.now() > deadline ? reject(new Error('no priming event')) : void setTimeout(check, 10));
        check();
      });
      const conflict = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'last-event-id': primingId! }, signal: AbortSignal.timeout(5_000) });
      expect(conflict.status).toBe(409);
      expect(await conflict.json()).toMatchObject({ error: { code: -32000, message: 'Conflict: Stream already has an active connection' } });
      const done = await original;
      expect(done.ended).toBe(true);
      expect(dataOf(done.events)).toEqual([{ jsonrpc: '2.0', id: 10, result: { content: [{ type: 'text', text: 'done 1' }] } }]);
    });

    it('an unknown Last-Event-ID is refused (400, a JSON-RPC error saying the events are gone), not a stream that never answers', async () => {
      const res = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'last-event-id': 'nope_1' }, signal: AbortSignal.timeout(5_000) });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000, message: expect.stringContaining('Events gone') } });
    });

    it('a 2025-06-18 client gets ids on its events but no priming event', async () => {
      const call = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'echo', arguments: { message: 'old' } } });
      const res = await streamUntil(url, 'POST', { ...headers(), 'mcp-protocol-version': '2025-06-18' }, call);
      expect(res.events).toHaveLength(1);
      expect(res.events[0]).toMatchObject({ id: expect.stringMatching(/_1$/), data: expect.stringContaining('echo: old') });
    });
  });
}

let inProcess: RunningProxy | undefined;
let binary: ProxyBinary | undefined;

resumptionSuite('the binary (direct path)', async () => {
  binary = await startProxyBinary();
  return { url: binary.url, stop: () => binary!.stop() };
});

resumptionSuite('the SDK transport path', async () => {
  inProcess = await startProxy({
    ...PROXY_DEFAULTS, port: 0, allowedOrigins: [], allowedHosts: [], killGraceMs: 1_000,
    child: { command: process.execPath, args: [FIXTURE], env: {}, passEnv: true, baseEnv: process.env, shell: false },
    version: 'test', logger: memoryLogger('warn').logger, now: () => Date.now(),
  }, undefined, { directPost: false });
  return { url: inProcess.url, stop: () => inProcess!.close() };
});

describe('an SDK client resumes a broken POST stream by itself', () => {
  let proxyBin: ProxyBinary;
  let relay: Server;
  let relayUrl: string;
  let cut = false;
  beforeAll(async () => {
    proxyBin = await startProxyBinary();
    const target = new URL(proxyBin.url);
    // A TCP relay in front of the proxy that breaks, once, the connection carrying the first progress event.
    relay = createServer((down) => {
      const up = connect(Number(target.port), target.hostname);
      down.on('data', (c) => up.write(c));
      up.on('data', (c: Buffer) => {
        if (!cut && c.toString('utf8').includes('notifications/progress')) {
          cut = true;
          down.end(c);
          down.destroySoon();
          up.destroy();
          return;
        }
        down.write(c);
      });
      const close = (): void => {
        up.destroy();
        down.destroy();
      };
      down.on('error', close).on('close', close);
      up.on('error', close).on('close', close);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}${target.pathname}`;
  });
  afterAll(async () => {
    relay.close();
    await proxyBin.stop();
  });

  it('gets every progress event once and the answer after the connection broke', async () => {
    const client = new Client({ name: 'resuming', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
    await client.connect(new StreamableHTTPClientTransport(new URL(relayUrl)));
    const progress: number[] = [];
    const result = await client.callTool({ name: 'progress', arguments: { steps: 4, delayMs: 300 } }, { onprogress: (p) => void progress.push(p.progress), timeout: 15_000 });
    expect(cut).toBe(true);
    expect(textOf(result)).toBe('done 4');
    expect(progress).toEqual([1, 2, 3, 4]);
    await client.close();
  });
});
