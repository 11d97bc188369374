/**
 * A protected MCP endpoint for tests: createAuthGuard (oauth mode) in front of a real SDK v2 McpServer over
 * NodeStreamableHTTPServerTransport (stateless). Serves RFC 9728 metadata, answers 401/403 challenges, and
 * demands `mcp:admin` for the `admin-echo` tool (step-up).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/server';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { createAuthGuard, type AuthGuard } from '../../src/proxy/auth/auth-guard.js';

export interface ProtectedMcp {
  url: string;
  guard: AuthGuard;
  /** Answer the next `n` MCP requests with 401 invalid_token whatever the token. */
  rejectNext(n: number): void;
  /** Authorization headers seen on /mcp (for assertions; tests must not log them). */
  seenTokens: string[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : undefined);
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

function newMcpServer(): McpServer {
  const server = new McpServer({ name: 'protected-test-server', version: '1.0.0' });
  server.registerTool('echo', { description: 'says ok' }, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
  server.registerTool('admin-echo', { description: 'needs mcp:admin' }, async () => ({ content: [{ type: 'text', text: 'admin ok' }] }));
  return server;
}

export async function startProtectedMcp(issuer: string): Promise<ProtectedMcp> {
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  const guard = createAuthGuard({ mode: 'oauth', issuer, resource: url, requiredScopes: ['mcp:read'], scopesSupported: ['mcp:read', 'mcp:write', 'mcp:admin'] });
  let rejections = 0;
  const seenTokens: string[] = [];
  http.on('request', (req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', url).pathname;
      const metadata = await guard.handleMetadataRequest(req.method, path);
      if (metadata) {
        res.writeHead(metadata.status, metadata.headers).end(metadata.body);
        return;
      }
      if (path !== '/mcp') {
        res.writeHead(404).end();
        return;
      }
      const body = req.method === 'POST' ? await readBody(req) : undefined;
      if (req.headers.authorization) seenTokens.push(req.headers.authorization);
      if (rejections > 0) {
        rejections--;
        const refused = await guard.authenticate({});
        if (!refused.ok) res.writeHead(refused.status, refused.headers).end(refused.body);
        return;
      }
      const message = body as { method?: string; params?: { name?: string } } | undefined;
      const admin = message?.method === 'tools/call' && message.params?.name === 'admin-echo';
      const result = await guard.authenticate(req.headers, admin ? { requiredScopes: ['mcp:read', 'mcp:admin'] } : undefined);
      if (!result.ok) {
        res.writeHead(result.status, result.headers).end(result.body);
        return;
      }
      const server = newMcpServer();
      const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  return {
    url,
    guard,
    seenTokens,
    rejectNext(n) {
      rejections = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
