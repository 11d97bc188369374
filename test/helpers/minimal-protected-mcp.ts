/**
 * A small protected MCP server for the minimal AS: checks its opaque tokens in-process (issuer, expiry,
 * RFC 8707 resource, scope), answers 401/403 Bearer challenges, optionally publishes RFC 9728 metadata, and
 * can host the AS on its own origin (MCP 2025-03-26: no protected-resource metadata, AS at the server's
 * origin). Behind it a real SDK McpServer (stateless Streamable HTTP) with `echo` and `admin-echo`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/server';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { createMinimalAs, type MinimalAs, type MinimalAsOptions } from './minimal-authorization-server.js';

export interface MinimalMcpOptions {
  /** The AS whose tokens are accepted; omit and pass `mountAs` to host one on this origin. */
  as?: MinimalAs;
  /** Host a minimal AS with these options on this server's origin. */
  mountAs?: MinimalAsOptions;
  /** Publish RFC 9728 metadata (default true). */
  prm?: boolean;
  /** PRM scopes_supported (omitted when undefined). */
  prmScopes?: string[];
  /** `scope` in the 401 challenge (omitted when undefined). */
  challengeScope?: string;
  /** `resource_metadata` in the challenge: default the real document; a string overrides it (e.g. a failing URL). */
  resourceMetadataUrl?: string | ((origin: string) => string);
  /** Scope every request needs (default none). */
  requiredScope?: string;
  /** Scopes `admin-echo` needs (403 insufficient_scope with scope=these). Default "mcp:admin". */
  adminScope?: string;
  /** Accept tokens issued without a resource (for --no-resource). Default true. */
  acceptNoResource?: boolean;
}

export interface MinimalMcp {
  url: string;
  origin: string;
  /** The AS in use (the mounted one, or the one passed). */
  as: MinimalAs;
  /** Change the AS named in the metadata and trusted for tokens (an AS migration). */
  useAs(as: MinimalAs): void;
  /** Requests to /mcp and to the metadata URL, for assertions. */
  hits: { mcp: number; prm: number };
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function newMcpServer(): McpServer {
  const server = new McpServer({ name: 'minimal-protected', version: '1.0.0' });
  server.registerTool('echo', { description: 'says ok' }, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
  server.registerTool('admin-echo', { description: 'needs the admin scope' }, async () => ({ content: [{ type: 'text', text: 'admin ok' }] }));
  return server;
}

const split = (s: string | undefined): string[] => (s ? s.split(' ').filter(Boolean) : []);

export async function startMinimalProtectedMcp(options: MinimalMcpOptions): Promise<MinimalMcp> {
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const url = `${origin}/mcp`;
  const prmPath = '/.well-known/oauth-protected-resource/mcp';
  const mounted = options.mountAs ? createMinimalAs(origin, options.mountAs) : undefined;
  let as = mounted ?? options.as;
  if (!as) throw new Error('startMinimalProtectedMcp needs `as` or `mountAs`');
  const hits = { mcp: 0, prm: 0 };

  const challenge = (status: 401 | 403, error: string, scope: string | undefined): { status: number; header: string } => {
    const parts = [`error="${error}"`];
    if (scope) parts.push(`scope="${scope}"`);
    const metadataUrl = typeof options.resourceMetadataUrl === 'function' ? options.resourceMetadataUrl(origin) : options.resourceMetadataUrl;
    if (options.prm !== false || metadataUrl) parts.push(`resource_metadata="${metadataUrl ?? origin + prmPath}"`);
    return { status, header: `Bearer ${parts.join(', ')}` };
  };

  http.on('request', (req, res) => {
    void (async () => {
      if (mounted && (await mounted.handle(req, res))) return;
      const path = new URL(req.url ?? '/', origin).pathname;
      if (options.prm !== false && (path === prmPath || path === '/.well-known/oauth-protected-resource')) {
        hits.prm++;
        const doc: Record<string, unknown> = { resource: url, authorization_servers: [(as as MinimalAs).issuer] };
        if (options.prmScopes) doc.scopes_supported = options.prmScopes;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
        return;
      }
      if (path !== '/mcp') {
        res.writeHead(404).end();
        return;
      }
      hits.mcp++;
      const text = req.method === 'POST' ? await readBody(req) : '';
      const body: unknown = text ? JSON.parse(text) : undefined;
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const info = token ? (as as MinimalAs).lookup(token) : undefined;
      const resourceOk = info && (info.resource === url || (info.resource === undefined && options.acceptNoResource !== false));
      if (!info || info.expiresAt < Date.now() || !resourceOk) {
        const c = challenge(401, 'invalid_token', options.challengeScope);
        res.writeHead(c.status, { 'www-authenticate': c.header, 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
        return;
      }
      const message = body as { method?: string; params?: { name?: string } } | undefined;
      const admin = message?.method === 'tools/call' && message.params?.name === 'admin-echo';
      const needed = [...split(options.requiredScope), ...(admin ? split(options.adminScope ?? 'mcp:admin') : [])];
      const held = new Set(split(info.scope));
      if (!needed.every((s) => held.has(s))) {
        const c = challenge(403, 'insufficient_scope', needed.join(' '));
        res.writeHead(c.status, { 'www-authenticate': c.header, 'content-type': 'application/json' }).end('{"error":"insufficient_scope"}');
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
    origin,
    get as() {
      return as as MinimalAs;
    },
    useAs(next) {
      as = next;
    },
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
