import { createServer as createHttpServer, type Server } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpFetch, mapFetchFailure } from '../../../src/client/http/http-fetch.js';
import { isClientError } from '../../../src/shared/errors.js';

const NO_PROXY = { httpProxy: '', httpsProxy: '', noProxy: '' };
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function listen<T extends Server | NetServer>(server: T): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('createHttpFetch (undici)', () => {
  it('fetches through undici and returns a standard Response', async () => {
    const port = await listen(createHttpServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url }))));
    const http = createHttpFetch({ timeoutMs: 5_000, proxy: NO_PROXY });
    closers.push(() => http.close());
    const res = await http.fetch(`http://127.0.0.1:${port}/x`, { method: 'GET', headers: new Headers({ a: 'b' }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ path: '/x' });
  });

  it('maps a refused connection to CONNECT_FAILED', async () => {
    const probe = createNetServer();
    const port = await listen(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const http = createHttpFetch({ timeoutMs: 5_000, proxy: NO_PROXY });
    closers.push(() => http.close());
    const error = await rejection(http.fetch(`http://127.0.0.1:${port}/`));
    expect(isClientError(error, 'CONNECT_FAILED')).toBe(true);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('times out when response headers do not arrive', async () => {
    const port = await listen(createHttpServer(() => undefined));
    const http = createHttpFetch({ timeoutMs: 300, proxy: NO_PROXY });
    closers.push(() => http.close());
    const error = await rejection(http.fetch(`http://127.0.0.1:${port}/`));
    expect(isClientError(error, 'TIMEOUT')).toBe(true);
  });

  it('leaves a caller abort alone (the SDK treats it as intentional)', async () => {
    const port = await listen(createHttpServer(() => undefined));
    const http = createHttpFetch({ timeoutMs: 5_000, proxy: NO_PROXY });
    closers.push(() => http.close());
    const controller = new AbortController();
    const pending = http.fetch(`http://127.0.0.1:${port}/`, { signal: controller.signal });
    controller.abort();
    expect(isClientError(await rejection(pending))).toBe(false);
  });

  it('goes through HTTP_PROXY (CONNECT tunnel), and not for NO_PROXY hosts', async () => {
    const target = await listen(createHttpServer((_req, res) => res.end('via target')));
    const tunnels: string[] = [];
    const proxy = createHttpServer();
    proxy.on('connect', (req, socket) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host as string, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    const proxyPort = await listen(proxy);

    const viaProxy = createHttpFetch({ timeoutMs: 5_000, proxy: { httpProxy: `http://127.0.0.1:${proxyPort}`, httpsProxy: '', noProxy: '' } });
    closers.push(() => viaProxy.close());
    expect(await (await viaProxy.fetch(`http://127.0.0.1:${target}/`)).text()).toBe('via target');
    expect(tunnels).toEqual([`127.0.0.1:${target}`]);

    const bypass = createHttpFetch({ timeoutMs: 5_000, proxy: { httpProxy: `http://127.0.0.1:${proxyPort}`, httpsProxy: '', noProxy: '127.0.0.1' } });
    closers.push(() => bypass.close());
    expect(await (await bypass.fetch(`http://127.0.0.1:${target}/`)).text()).toBe('via target');
    expect(tunnels).toHaveLength(1);
  });
});

describe('mapFetchFailure', () => {
  const url = new URL('https://mcp.example.com/mcp');
  it('maps by the error code found in the cause chain', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });
    expect(mapFetchFailure(refused, url, false, 1000).code).toBe('CONNECT_FAILED');
    const headers = new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }) });
    expect(mapFetchFailure(headers, url, false, 1000).code).toBe('TIMEOUT');
    expect(mapFetchFailure(new Error('aborted'), url, true, 1000).code).toBe('TIMEOUT');
    const other = new TypeError('fetch failed', { cause: new Error('bad port') });
    const mapped = mapFetchFailure(other, url, false, 1000);
    expect(mapped.code).toBe('REQUEST_FAILED');
    expect(mapped.message).toBe('request to https://mcp.example.com failed (bad port)');
  });
});
