import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../../src/proxy/server.js';
import { PROXY_DEFAULTS, type ProxyOptions } from '../../../src/proxy/proxy-options.js';
import { alive, FIXTURE, memoryLogger, textOf, waitFor } from '../../helpers/proxy-harness.js';
import { ACCEPT, INIT, openSession } from '../../helpers/raw-http.js';

/**
 * The direct path (session.ts answering plain in-session POSTs itself) against the SDK transport path
 * (`directPost: false`): the same requests, in sessions of the same fixture child, must get the same
 * bytes back — status, every header in order and casing (but Date), and body — session ids aside.
 */

const ORIGIN = 'https://app.example.com';
let direct: RunningProxy;
let viaSdk: RunningProxy;
const sessions = new Map<RunningProxy, string>();

function options(): ProxyOptions {
  return {
    ...PROXY_DEFAULTS,
    port: 0,
    allowedOrigins: [ORIGIN],
    allowedHosts: [],
    killGraceMs: 1_000,
    child: { command: process.execPath, args: [FIXTURE], env: {}, passEnv: true, baseEnv: process.env, shell: false },
    version: 'test',
    logger: memoryLogger('warn').logger,
    now: () => Date.now(),
  };
}

beforeAll(async () => {
  direct = await startProxy(options());
  viaSdk = await startProxy(options(), undefined, { directPost: false });
  for (const proxy of [direct, viaSdk]) sessions.set(proxy, await openSession(proxy.url));
});
afterAll(async () => {
  await Promise.all([direct?.close(), viaSdk?.close()]);
});

interface Raw {
  status: number;
  /** rawHeaders as name/value pairs, Date left out. */
  headers: string[];
  body: string;
  headersAtMs: number;
  endedAtMs: number;
}

function exchange(url: string, method: string, body: string | undefined, headers: Record<string, string>, signal?: AbortSignal): Promise<Raw> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: 15_000, ...(signal ? { signal } : {}) }, (res) => {
      const headersAtMs = Date.now() - started;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const pairs: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (res.rawHeaders[i]!.toLowerCase() !== 'date') pairs.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        }
        resolve({ status: res.statusCode ?? 0, headers: pairs, body: text, headersAtMs, endedAtMs: Date.now() - started });
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

/**
 * SSE event ids are `<stream id>_<n>`, the stream id a UUID on the SDK path and `d<k>` (unique within the
 * session) on the direct one: each distinct stream id becomes `<stream-k>` in order of appearance, so the
 * numbering and the grouping of events into streams are still compared.
 */
function maskEventIds(body: string): string {
  const seen = new Map<string, string>();
  return body.replace(/^id: ([0-9a-f-]{36}|d\d+)_(\d+)$/gm, (_all, stream: string, n: string) => {
    if (!seen.has(stream)) seen.set(stream, `<stream-${seen.size + 1}>`);
    return `id: ${seen.get(stream)!}_${n}`;
  });
}

/** One in-session POST with the session id of `proxy`, masked in the answer. A header given as '' is left out. */
async function postIn(proxy: RunningProxy, body: unknown, headers: Record<string, string> = {}): Promise<Raw> {
  const sid = sessions.get(proxy)!;
  const all: Record<string, string> = { 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', ...headers };
  for (const [name, value] of Object.entries(all)) if (value === '') delete all[name];
  const raw = await exchange(proxy.url, 'POST', typeof body === 'string' ? body : JSON.stringify(body), all);
  const mask = (s: string): string => s.split(sid).join('<session>');
  return { ...raw, headers: raw.headers.map(mask), body: maskEventIds(mask(raw.body)) };
}

/** The JSON of the last non-empty `data:` line of an SSE body. */
function lastData(body: string): string {
  return body.split('\n').filter((l) => l.startsWith('data: ') && l.length > 6).pop()!.slice(6);
}

const CASES: Array<[string, unknown, Record<string, string>?]> = [
  ['a tool call (SSE answer)', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } }],
  ['a string id', { jsonrpc: '2.0', id: 'req-a', method: 'tools/call', params: { name: 'add', arguments: { a: 2, b: 3 } } }],
  ['an error answer from the child', { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'nope' } }],
  ['progress on the request stream', { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'progress', arguments: { steps: 2, delayMs: 5 }, _meta: { progressToken: 'p3' } } }],
  ['no Mcp-Protocol-Version header', { jsonrpc: '2.0', id: 4, method: 'ping' }, { 'mcp-protocol-version': '' }],
  ['a 2025-06-18 client (event ids, no priming event)', { jsonrpc: '2.0', id: 14, method: 'ping' }, { 'mcp-protocol-version': '2025-06-18' }],
  ['an allowed Origin (CORS headers)', { jsonrpc: '2.0', id: 5, method: 'ping' }, { origin: ORIGIN }],
  ['a notification (202)', { jsonrpc: '2.0', method: 'notifications/roots/list_changed' }],
  ['a notification with CORS', { jsonrpc: '2.0', method: 'notifications/roots/list_changed' }, { origin: ORIGIN }],
  ['Accept without text/event-stream (406)', { jsonrpc: '2.0', id: 6, method: 'ping' }, { accept: 'application/json' }],
  ['Accept without application/json (406)', { jsonrpc: '2.0', id: 7, method: 'ping' }, { accept: 'text/event-stream' }],
  ['an unsupported 2025-era protocol version (400)', { jsonrpc: '2.0', id: 8, method: 'ping' }, { 'mcp-protocol-version': '2024-01-01' }],
  ['an extra top-level key (400)', { jsonrpc: '2.0', id: 9, method: 'ping', extra: 1 }],
  ['a fractional id (400)', { jsonrpc: '2.0', id: 1.5, method: 'ping' }],
  ['null params (400)', { jsonrpc: '2.0', id: 10, method: 'ping', params: null }],
  ['initialize in an initialized session (400)', { ...INIT, id: 11 }],
  ['an envelope claim (era classifier)', { jsonrpc: '2.0', id: 12, method: 'ping', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2025-11-25' } } }],
  ['a batch in a 2025-11-25 session (400)', [{ jsonrpc: '2.0', id: 13, method: 'ping' }]],
  // Bodies as text: the direct path writes a body to the child as the client sent it, unless it holds a line break.
  ['a pretty-printed body (line breaks inside the JSON)', '{\n  "jsonrpc": "2.0",\r\n  "id": 15,\n  "method": "tools/call", "params": {"name": "echo", "arguments": {"message": "a\\nb"}}\n}'],
  ['a body with spacing and key order of its own', '{ "method" : "tools/call", "params": {"arguments":{"message":"x é"},"name":"echo"}, "id": 16, "jsonrpc": "2.0" }'],
];

describe('direct path ≡ SDK transport path, byte for byte', () => {
  it.each(CASES)('%s', async (_name, body, headers = {}) => {
    const [a, b] = await Promise.all([postIn(direct, body, headers), postIn(viaSdk, body, headers)]);
    expect({ status: a.status, headers: a.headers, body: a.body }).toEqual({ status: b.status, headers: b.headers, body: b.body });
  });
});

describe('direct path ≡ SDK transport path: resumability', () => {
  it('both prime a 2025-11-25 stream (an event id, retry, empty data) and number its events', async () => {
    for (const proxy of [direct, viaSdk]) {
      const raw = await postIn(proxy, { jsonrpc: '2.0', id: 30, method: 'tools/call', params: { name: 'echo', arguments: { message: 'p' } } });
      expect(raw.body).toMatch(/^id: <stream-1>_1\nretry: 1000\ndata: \n\nevent: message\nid: <stream-1>_2\ndata: \{"jsonrpc":"2.0","id":30,"result":\{"content":\[\{"type":"text","text":"echo: p"\}\]\}\}\n\n$/);
    }
  });
});

describe('direct path: what differs from a web Response', () => {
  it('sends the headers of a slow answer at the stream\'s first tick, long before the answer', async () => {
    const slow = await postIn(direct, { jsonrpc: '2.0', id: 20, method: 'tools/call', params: { name: 'progress', arguments: { steps: 1, delayMs: 3_000 } } });
    expect(slow.status).toBe(200);
    expect(slow.body).toContain('done 1');
    expect(slow.endedAtMs).toBeGreaterThanOrEqual(2_900);
    expect(slow.headersAtMs).toBeLessThan(slow.endedAtMs - 1_000);
  });

  it('survives a client that leaves before its answer; the session keeps serving', async () => {
    const sid = sessions.get(direct)!;
    const abort = new AbortController();
    const left = exchange(direct.url, 'POST', JSON.stringify({ jsonrpc: '2.0', id: 21, method: 'tools/call', params: { name: 'progress', arguments: { steps: 1, delayMs: 300 } } }), {
      'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': sid,
    }, abort.signal).catch((error: unknown) => error);
    setTimeout(() => abort.abort(), 100);
    expect(await left).toBeInstanceOf(Error);
    await new Promise((r) => setTimeout(r, 400)); // the child answers 21 into a stream nobody reads
    const after = await postIn(direct, { jsonrpc: '2.0', id: 22, method: 'tools/call', params: { name: 'echo', arguments: { message: 'after' } } });
    expect(after.body).toContain('echo: after');
  });

  it('answers a request still in flight with an error when its session is deleted', async () => {
    const sid = await openSession(direct.url);
    const pidAnswer = await exchange(direct.url, 'POST', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'pid' } }), {
      'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': sid,
    });
    const pid = Number(textOf((JSON.parse(lastData(pidAnswer.body)) as { result: unknown }).result));
    const hung = exchange(direct.url, 'POST', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'hang' } }), {
      'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': sid,
    });
    await new Promise((r) => setTimeout(r, 100));
    const deleted = await exchange(direct.url, 'DELETE', undefined, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    expect(deleted.status).toBe(200);
    const answer = await hung;
    expect(answer.status).toBe(200);
    expect(JSON.parse(lastData(answer.body))).toMatchObject({ id: 2, error: { code: -32603, message: 'session ended' } });
    expect(await waitFor(() => !alive(pid))).toBe(true);
  });
});
