import { request, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { waitFor } from './proxy-harness.js';

/** The legacy HTTP+SSE transport (2024-11-05) on the wire, without an SDK in between. */

export interface SseFrame {
  event: string;
  data: string;
}

export interface LegacySseStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** The raw text received so far (comments included). */
  text: () => string;
  frames: () => SseFrame[];
  /** The `endpoint` event's data (undefined when refused). */
  endpoint: string | undefined;
  /** The body of a refused GET. */
  body: string;
  ended: Promise<void>;
  /** The JSON-RPC messages received as `message` events. */
  messages: () => Array<Record<string, unknown>>;
  /** Waits (bounded) for a message matching `match`. */
  next: (match: (m: Record<string, unknown>) => boolean, ms?: number) => Promise<Record<string, unknown>>;
  close: () => void;
}

export function parseFrames(text: string): SseFrame[] {
  const frames: SseFrame[] = [];
  for (const block of text.split('\n\n')) {
    if (block.trim() === '' || block.startsWith(':')) continue;
    const frame: SseFrame = { event: 'message', data: '' };
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) frame.event = line.slice(7);
      else if (line.startsWith('data: ')) frame.data = line.slice(6);
    }
    frames.push(frame);
  }
  return frames;
}

/** GETs the SSE endpoint and resolves once the `endpoint` event arrived (or with the refusal). Bounded. */
export function openLegacySse(url: string, headers: Record<string, string> = {}): Promise<LegacySseStream> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | undefined = undefined;
    const timer = setTimeout(() => req?.destroy(new Error('no endpoint event within 10s')), 10_000);
    req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let text = '';
      let settled = false;
      let endResolve!: () => void;
      const ended = new Promise<void>((r) => (endResolve = r));
      res.setEncoding('utf8');
      const stream = (): LegacySseStream => {
        const frames = (): SseFrame[] => parseFrames(text);
        const messages = (): Array<Record<string, unknown>> => frames().filter((f) => f.event === 'message').map((f) => JSON.parse(f.data) as Record<string, unknown>);
        return {
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: () => text,
          frames,
          endpoint: frames().find((f) => f.event === 'endpoint')?.data,
          body: res.statusCode === 200 ? '' : text,
          ended,
          messages,
          next: async (match, ms = 10_000) => {
            if (!(await waitFor(() => messages().some(match), ms))) throw new Error(`no matching message within ${ms} ms; got ${text}`);
            return messages().find(match)!;
          },
          close: () => req!.destroy(),
        };
      };
      const settle = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(stream());
      };
      res.on('data', (chunk: string) => {
        text += chunk;
        if (res.statusCode === 200 && text.includes('event: endpoint\n') && text.includes('\n\n')) settle();
      });
      res.on('end', () => {
        endResolve();
        settle();
      });
      res.on('close', () => endResolve());
      res.on('error', () => undefined);
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

/** POSTs a body (string or JSON) to a messages URL. */
export async function postMessage(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

export const LEGACY_INIT = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'raw-sse', version: '1' } },
};

/** Opens a stream and initializes the session over it; returns the stream and the messages URL. */
export async function legacySession(base: string, headers: Record<string, string> = {}, ssePath = '/sse'): Promise<{ stream: LegacySseStream; messages: string }> {
  const stream = await openLegacySse(`${base}${ssePath}`, headers);
  if (stream.status !== 200 || !stream.endpoint) throw new Error(`GET ${ssePath}: ${stream.status} ${stream.body}`);
  const messages = new URL(stream.endpoint, base).href;
  const init = await postMessage(messages, LEGACY_INIT, headers);
  if (init.status !== 202) throw new Error(`initialize: ${init.status} ${init.text}`);
  await stream.next((m) => m.id === 0);
  await postMessage(messages, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  return { stream, messages };
}
