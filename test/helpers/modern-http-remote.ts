/**
 * A modern-only (2026-07-28) remote MCP server for mcp-client's tests: the SDK v2 `createMcpHandler`
 * with `legacy: 'reject'` (a 2025 `initialize` gets HTTP 400 / -32022 naming only 2026-07-28), served
 * on 127.0.0.1 port 0 through `@modelcontextprotocol/node`'s `toNodeHandler`. The tools are the modern
 * fixture's (test/fixtures/modern-tools.mjs); `touch` publishes on the handler's listen bus. Every
 * HTTP request is recorded with its MCP headers.
 */

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, type McpServer } from '@modelcontextprotocol/server';
// @ts-expect-error -- a plain ESM fixture without type declarations
import { buildModernServer } from '../fixtures/modern-tools.mjs';

export interface RecordedModernRequest {
  httpMethod: string;
  headers: IncomingMessage['headers'];
  /** The JSON-RPC method of a POST with one message. */
  rpcMethod?: string;
}

/**
 * How the server answers a 2025-era request (no 2026-07-28 envelope): the SDK's `reject` (HTTP 400,
 * -32022 naming only 2026-07-28), or "method not found" (-32601) with HTTP 404 or 200 — both seen from
 * 2026-07-28-only servers for a session-less `ping`.
 */
export type LegacyAnswer = 'reject' | 'not-found-404' | 'not-found-200';

export interface ModernHttpRemote {
  url: string;
  requests: RecordedModernRequest[];
  /** `progress` calls the server stopped because the client cancelled them (aborted the POST). */
  abandoned: number;
  close(): Promise<void>;
}

type Build = (ctx: unknown, opts: { name: string; handles: Map<string, string>; onTouch: (uri: string) => Promise<void>; onAbandoned: () => void }) => McpServer;

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(undefined);
      }
    });
    req.on('error', () => resolve(undefined));
  });
}

function isLegacyMessage(body: unknown): body is { id?: unknown; method: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof (body as { method?: unknown }).method !== 'string') return false;
  const meta = (body as { params?: { _meta?: Record<string, unknown> } }).params?._meta;
  return !meta?.['io.modelcontextprotocol/protocolVersion'];
}

export async function startModernHttpRemote(name = 'modern-http-remote', options: { legacyAnswer?: LegacyAnswer } = {}): Promise<ModernHttpRemote> {
  const handles = new Map<string, string>();
  const build = buildModernServer as Build;
  // eslint-disable-next-line prefer-const -- assigned after the handler it is used by
  let handler: ReturnType<typeof createMcpHandler>;
  const onTouch = async (uri: string): Promise<void> => handler.notify.resourceUpdated(uri);
  const stats = { abandoned: 0 };
  handler = createMcpHandler((ctx) => build(ctx, { name, handles, onTouch, onAbandoned: () => (stats.abandoned += 1) }), { legacy: 'reject' });
  const serve = toNodeHandler(handler);
  const requests: RecordedModernRequest[] = [];
  const legacyAnswer = options.legacyAnswer ?? 'reject';
  const server = createServer((req, res) => {
    const record: RecordedModernRequest = { httpMethod: req.method ?? '', headers: req.headers };
    requests.push(record);
    if (req.method !== 'POST') {
      void serve(req, res);
      return;
    }
    void readBody(req).then((body) => {
      if (typeof body === 'object' && body !== null && typeof (body as { method?: unknown }).method === 'string') record.rpcMethod = (body as { method: string }).method;
      if (legacyAnswer !== 'reject' && isLegacyMessage(body)) {
        const error = { jsonrpc: '2.0', id: body.id ?? null, error: { code: -32601, message: `Method not found: ${body.method}` } };
        res.writeHead(legacyAnswer === 'not-found-404' ? 404 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(error));
        return;
      }
      return serve(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    get abandoned() {
      return stats.abandoned;
    },
    close: async () => {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
