import { createClient } from 'redis';
import { FIXTURE } from './proxy-harness.js';
import { cleanEnv, startProxyBinary, type ProxyBinary } from './proxy-binary.js';
import { ACCEPT } from './raw-http.js';

/** Helpers for the scale-out tests: instances of the real binary on one Redis, and reading SSE as it streams. */

export async function startInstances(n: number, redisUrl: string, extra: string[] = []): Promise<ProxyBinary[]> {
  const args = ['--port', '0', '--redis-url', redisUrl, '--start-check', '0', '--kill-grace', '1', '--metrics', ...extra, '--', process.execPath, FIXTURE];
  return Promise.all(Array.from({ length: n }, () => startProxyBinary(args, { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json' }) })));
}

/** Reads a directory key straight from Redis (what the instances wrote). */
export async function redisGet(url: string, key: string): Promise<string | null> {
  const client = createClient({ url, socket: { connectTimeout: 5_000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.get(key);
  } finally {
    await client.close();
  }
}

export const sessionHeaders = (sid: string): Record<string, string> => ({ 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });

/** The JSON-RPC messages of an SSE response, handed over one by one as they arrive. */
export class SseReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  readonly #queue: Array<Record<string, unknown>> = [];

  constructor(res: Response) {
    if (!res.body) throw new Error(`no body (status ${res.status})`);
    this.#reader = res.body.getReader();
  }

  /** The next message that satisfies `match`, within `ms`. */
  async next(match: (m: Record<string, unknown>) => boolean, ms = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = this.#queue.findIndex(match);
      if (index >= 0) return this.#queue.splice(index, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${ms} ms; seen: ${JSON.stringify(this.#queue)}`);
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([this.#reader.read(), new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), left)))]);
      clearTimeout(timer);
      if (chunk === 'late') continue;
      if (chunk.done) throw new Error(`stream ended; seen: ${JSON.stringify(this.#queue)}`);
      this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
      let cut: number;
      while ((cut = this.#buffer.indexOf('\n\n')) >= 0) {
        const event = this.#buffer.slice(0, cut);
        this.#buffer = this.#buffer.slice(cut + 2);
        for (const line of event.split('\n')) if (line.startsWith('data: ') && line.length > 6) this.#queue.push(JSON.parse(line.slice(6)) as Record<string, unknown>);
      }
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => undefined);
  }
}
