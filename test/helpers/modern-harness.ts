import type { IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startProxy, type RunningProxy } from '../../src/proxy/server.js';
import { createModernHandler, type ChildEraSetting, type ModernRequestHandler } from '../../src/proxy/stateless/modern-handler.js';
import { PROXY_DEFAULTS, type EdgeAuthenticator, type ProxyOptions } from '../../src/proxy/proxy-options.js';
import { ChildEraCache } from '../../src/proxy/child/child-era-probe.js';
import { FIXTURE, memoryLogger } from './proxy-harness.js';

export const MODERN_FIXTURE = fileURLToPath(new URL('../fixtures/modern-server.mjs', import.meta.url));
export const EVERYTHING = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));

/** A tiny edge authenticator for tests: the `x-test-principal` header names the principal. */
export const headerAuth: EdgeAuthenticator = {
  authenticate: async (req: IncomingMessage) => {
    const who = req.headers['x-test-principal'];
    return typeof who === 'string' && who !== ''
      ? { ok: true, principal: who }
      : { ok: false, status: 401, headers: {}, body: { error: 'no principal' } };
  },
};

export type ChildKind = 'modern' | 'legacy' | 'everything';

export function childArgs(kind: ChildKind): string[] {
  if (kind === 'modern') return [MODERN_FIXTURE];
  if (kind === 'everything') return [EVERYTHING, 'stdio'];
  return [FIXTURE];
}

export type ModernTestProxy = RunningProxy & { lines: string[]; modern: ModernRequestHandler };

/** A proxy serving both eras, with the modern handler wired as the CLI wires it. */
export async function startModernProxy(kind: ChildKind, overrides: Partial<ProxyOptions> = {}, childEra: ChildEraSetting = 'auto'): Promise<ModernTestProxy> {
  const { logger, lines } = memoryLogger();
  const options: ProxyOptions = {
    ...PROXY_DEFAULTS,
    port: 0,
    allowedOrigins: [],
    allowedHosts: [],
    killGraceMs: 1_000,
    requestTimeoutMs: 15_000,
    child: { command: process.execPath, args: childArgs(kind), env: {}, passEnv: true, baseEnv: process.env, shell: false },
    version: 'test',
    logger,
    now: () => Date.now(),
    ...overrides,
  };
  const modern = createModernHandler(options, { childEra, eraCache: new ChildEraCache() });
  const proxy = await startProxy(options, modern);
  modern.children.countAlso(() => proxy.sessions.size);
  return Object.assign(proxy, { lines, modern });
}

export type ClientEra = 'auto' | 'pinned' | 'legacy';

export async function connectEra(url: string, era: ClientEra, options: ConstructorParameters<typeof Client>[1] = {}, headers: Record<string, string> = {}): Promise<Client> {
  const mode = era === 'auto' ? 'auto' : era === 'pinned' ? { pin: '2026-07-28' } : 'legacy';
  const client = new Client({ name: `test-${era}`, version: '1.0.0' }, { ...options, versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/**
 * Opens the era's subscription to `uri` (2025: resources/subscribe; 2026-07-28: subscriptions/listen,
 * whose acknowledgement must honour the URI), lets `touch` make the server announce a change, and
 * resolves with the URI of the first resources/updated notification for it (8 s bound).
 */
export async function subscribeAndAwaitUpdate(client: Client, legacy: boolean, uri: string, touch?: (client: Client, uri: string) => Promise<unknown>): Promise<string> {
  let resolveUpdate!: (uri: string) => void;
  const updated = new Promise<string>((r) => (resolveUpdate = r));
  client.setNotificationHandler('notifications/resources/updated', (n) => {
    if (n.params.uri === uri) resolveUpdate(n.params.uri);
  });
  let close: () => Promise<void> = async () => undefined;
  if (legacy) {
    await client.subscribeResource({ uri });
  } else {
    const sub = await client.listen({ resourceSubscriptions: [uri] });
    if (!sub.honoredFilter.resourceSubscriptions?.includes(uri)) throw new Error(`the listen did not honour ${uri}`);
    close = () => sub.close();
  }
  await touch?.(client, uri);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((_, reject) => (timer = setTimeout(() => reject(new Error('no resources/updated within 8s')), 8_000)));
  try {
    return await Promise.race([updated, timeout]);
  } finally {
    clearTimeout(timer);
    await close();
  }
}
