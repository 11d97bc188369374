import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal HTTP load balancer for tests: each request goes to the next backend in turn (round robin, no
 * stickiness), its body and answer streamed through. A backend that refuses the connection is skipped, as a
 * balancer with retries would; `served` records which backend (its index) answered each request.
 */
export interface Balancer {
  url: string;
  served: number[];
  close(): Promise<void>;
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host']);

export async function startBalancer(backends: readonly string[], endpoint = '/mcp'): Promise<Balancer> {
  let next = 0;
  const served: number[] = [];
  const pass = (req: IncomingMessage, body: Buffer, res: import('node:http').ServerResponse, tries: number): void => {
    const index = next++ % backends.length;
    const target = new URL(req.url ?? '/', backends[index]);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP.has(k)));
    const upstream = request(target, { method: req.method, headers: { ...headers, 'content-length': String(body.length) }, timeout: 30_000 });
    upstream.on('response', (answer) => {
      served.push(index);
      res.writeHead(answer.statusCode ?? 502, Object.fromEntries(Object.entries(answer.headers).filter(([k]) => !HOP.has(k))));
      res.flushHeaders();
      answer.pipe(res);
      answer.once('aborted', () => res.destroy());
    });
    upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (res.headersSent) return void res.destroy();
      if (error.code === 'ECONNREFUSED' && tries < backends.length) return pass(req, body, res, tries + 1);
      res.writeHead(502).end();
    });
    res.on('close', () => upstream.destroy());
    upstream.end(body);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => pass(req, Buffer.concat(chunks), res, 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${endpoint}`,
    served,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
