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
}

export interface ModernHttpRemote {
  url: string;
  requests: RecordedModernRequest[];
  /** `progress` calls the server stopped because the client cancelled them (aborted the POST). */
  abandoned: number;
  close(): Promise<void>;
}

type Build = (ctx: unknown, opts: { name: string; handles: Map<string, string>; onTouch: (uri: string) => Promise<void>; onAbandoned: () => void }) => McpServer;

export async function startModernHttpRemote(name = 'modern-http-remote'): Promise<ModernHttpRemote> {
  const handles = new Map<string, string>();
  const build = buildModernServer as Build;
  // eslint-disable-next-line prefer-const -- assigned after the handler it is used by
  let handler: ReturnType<typeof createMcpHandler>;
  const onTouch = async (uri: string): Promise<void> => handler.notify.resourceUpdated(uri);
  const stats = { abandoned: 0 };
  handler = createMcpHandler((ctx) => build(ctx, { name, handles, onTouch, onAbandoned: () => (stats.abandoned += 1) }), { legacy: 'reject' });
  const serve = toNodeHandler(handler);
  const requests: RecordedModernRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ httpMethod: req.method ?? '', headers: req.headers });
    void serve(req, res);
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
