/**
 * A real MCP server for mcp-client's integration tests: SDK v2 low-level `Server` per session over
 * `NodeStreamableHTTPServerTransport`, on 127.0.0.1 port 0. Records every HTTP request (headers
 * included) and can drop a session behind the client's back.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { Server } from '@modelcontextprotocol/server';

export interface RecordedRequest {
  httpMethod: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  sessionId?: string;
  rpcMethod?: string;
}

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  sessionIds(): string[];
  deletedSessions: string[];
  /** Closes a session server-side without telling the client: its next request gets 404. */
  dropSession(id: string): Promise<void>;
  dropAllSessions(): Promise<void>;
  close(): Promise<void>;
}

const TOOLS = [
  { name: 'echo', description: 'Echo a message', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } },
  { name: 'add', description: 'Add two numbers', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } },
  { name: 'sample', description: 'Ask the client to sample', inputSchema: { type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] } },
  { name: 'progress', description: 'Report progress', inputSchema: { type: 'object', properties: { steps: { type: 'integer' } }, required: ['steps'] } },
  { name: 'fail', description: 'Always fails', inputSchema: { type: 'object', properties: {} } },
  { name: 'meta', description: 'Returns the request _meta', inputSchema: { type: 'object', properties: {} } },
  { name: 'slow', description: 'Answers after ms', inputSchema: { type: 'object', properties: { ms: { type: 'integer' } }, required: ['ms'] } },
];
const RESOURCES = Array.from({ length: 5 }, (_, i) => ({ uri: `test://resource/${i}`, name: `resource-${i}`, mimeType: 'text/plain' }));
const PROMPTS = Array.from({ length: 3 }, (_, i) => ({ name: `prompt-${i}`, description: `Prompt ${i}`, arguments: [{ name: 'topic', required: i === 0 }] }));

function page<T>(items: T[], cursor: unknown, size: number): { items: T[]; nextCursor?: string } {
  const start = typeof cursor === 'string' ? Number(cursor) : 0;
  const slice = items.slice(start, start + size);
  return start + size < items.length ? { items: slice, nextCursor: String(start + size) } : { items: slice };
}

function text(t: string): { content: Array<{ type: 'text'; text: string }> } {
  return { content: [{ type: 'text', text: t }] };
}

export function buildTestMcpServer(): Server {
  const server = new Server({ name: 'client-test-server', version: '1.0.0' }, { capabilities: { tools: {}, resources: {}, prompts: {} } });
  server.setRequestHandler('tools/list', (request) => {
    const p = page(TOOLS, request.params?.cursor, 3);
    return { tools: p.items, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) } as never;
  });
  server.setRequestHandler('tools/call', async (request, ctx) => {
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    switch (request.params.name) {
      case 'echo':
        return text(String(args.message));
      case 'add':
        return text(String(Number(args.a) + Number(args.b)));
      case 'sample': {
        const result = await ctx.mcpReq.requestSampling({ messages: [{ role: 'user', content: { type: 'text', text: String(args.prompt) } }], maxTokens: 20 });
        const content = result.content as { type: string; text?: string };
        return text(`sampled: ${content.text ?? ''}`);
      }
      case 'progress': {
        const token = ctx.mcpReq._meta?.progressToken;
        const steps = Number(args.steps);
        for (let i = 1; i <= steps; i += 1) {
          if (token !== undefined) await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps } });
        }
        return text(`done ${steps}`);
      }
      case 'fail':
        return { ...text('it broke'), isError: true };
      case 'meta':
        return { ...text('meta'), structuredContent: { meta: request.params._meta ?? null } } as never;
      case 'slow':
        await new Promise((r) => setTimeout(r, Number(args.ms)));
        return text('slow done');
      default:
        throw new Error(`unknown tool ${request.params.name}`);
    }
  });
  server.setRequestHandler('resources/list', (request) => {
    const p = page(RESOURCES, request.params?.cursor, 2);
    return { resources: p.items, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) };
  });
  server.setRequestHandler('resources/read', (request) => ({ contents: [{ uri: request.params.uri, text: `content of ${request.params.uri}` }] }));
  server.setRequestHandler('prompts/list', (request) => {
    const p = page(PROMPTS, request.params?.cursor, 2);
    return { prompts: p.items, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) };
  });
  server.setRequestHandler('prompts/get', (request) => ({ messages: [{ role: 'user', content: { type: 'text', text: `prompt ${request.params.name}` } }] }));
  return server;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  return raw === '' ? undefined : (JSON.parse(raw) as unknown);
}

export async function startTestServer(options: { port?: number } = {}): Promise<TestServer> {
  const sessions = new Map<string, { transport: NodeStreamableHTTPServerTransport; server: Server }>();
  const requests: RecordedRequest[] = [];
  const deletedSessions: string[] = [];

  const http: HttpServer = createServer((req, res) => {
    void (async () => {
      const sessionHeader = req.headers['mcp-session-id'];
      const sessionId = typeof sessionHeader === 'string' ? sessionHeader : undefined;
      const body = req.method === 'POST' ? await readBody(req) : undefined;
      const rpcMethod = typeof body === 'object' && body !== null && 'method' in body ? String((body as { method: unknown }).method) : undefined;
      requests.push({ httpMethod: req.method ?? '', path: req.url ?? '', headers: { ...req.headers }, sessionId, rpcMethod });
      if (!req.url?.startsWith('/mcp')) {
        res.writeHead(404).end();
        return;
      }
      if (sessionId !== undefined) {
        const entry = sessions.get(sessionId);
        if (!entry) {
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
          return;
        }
        if (req.method === 'DELETE') deletedSessions.push(sessionId);
        await entry.transport.handleRequest(req, res, body);
        return;
      }
      if (req.method !== 'POST' || rpcMethod !== 'initialize') {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Bad Request: no session' } }));
        return;
      }
      const server = buildTestMcpServer();
      const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, { transport, server });
        },
        onsessionclosed: (id) => {
          sessions.delete(id);
        },
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = http.address() as AddressInfo;

  const drop = async (id: string): Promise<void> => {
    const entry = sessions.get(id);
    sessions.delete(id);
    await entry?.server.close().catch(() => undefined);
  };

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    deletedSessions,
    sessionIds: () => [...sessions.keys()],
    dropSession: drop,
    dropAllSessions: async () => {
      for (const id of [...sessions.keys()]) await drop(id);
    },
    close: async () => {
      for (const id of [...sessions.keys()]) await drop(id);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
