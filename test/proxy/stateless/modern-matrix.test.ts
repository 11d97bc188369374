import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEra, headerAuth, startModernProxy, subscribeAndAwaitUpdate, type ChildKind, type ClientEra, type ModernTestProxy } from '../../helpers/modern-harness.js';
import { alive, textOf, waitFor } from '../../helpers/proxy-harness.js';

interface ChildSpec {
  serverName: RegExp;
  progress: { name: string; arguments: Record<string, unknown>; steps: number };
  sample: { name: string; arguments: Record<string, unknown> };
  uri: string;
  /** Makes the child announce an update of `uri` (after the subscription is open). */
  touch?: (client: Client, uri: string) => Promise<unknown>;
  /** Stores a value for one principal and reads it back through another: the isolation probe. */
  handle?: { mint: (c: Client) => Promise<string>; read: (c: Client, h: string) => Promise<string> };
}

const SPECS: Record<ChildKind, ChildSpec> = {
  modern: {
    serverName: /^modern-fixture$/,
    progress: { name: 'progress', arguments: { steps: 3, delayMs: 5 }, steps: 3 },
    sample: { name: 'sample', arguments: { prompt: 'ping' } },
    uri: 'test://r/0',
    touch: (c, uri) => c.callTool({ name: 'touch', arguments: { uri } }),
    handle: {
      mint: async (c) => textOf(await c.callTool({ name: 'mint_handle', arguments: { value: 'alpha' } })),
      read: async (c, h) => textOf(await c.callTool({ name: 'read_handle', arguments: { handle: h } })),
    },
  },
  legacy: {
    serverName: /^legacy-fixture$/,
    progress: { name: 'progress', arguments: { steps: 3, delayMs: 5 }, steps: 3 },
    sample: { name: 'sample', arguments: { prompt: 'ping' } },
    uri: 'test://r/1',
    handle: {
      mint: async (c) => {
        await c.callTool({ name: 'set_state', arguments: { value: 'alpha' } });
        return 'state';
      },
      read: async (c) => textOf(await c.callTool({ name: 'get_state', arguments: {} })),
    },
  },
  everything: {
    serverName: /everything/i,
    progress: { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 }, steps: 3 },
    sample: { name: 'trigger-sampling-request', arguments: { prompt: 'ping', maxTokens: 20 } },
    uri: 'demo://resource/dynamic/text/1',
    // A toggle: turning updates on sends one at once; when a previous test left them on, toggle twice.
    touch: async (c) => {
      const first = textOf(await c.callTool({ name: 'toggle-subscriber-updates', arguments: {} }));
      if (first.startsWith('Stopped')) await c.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    },
  },
};

const CLIENT_ERAS: ClientEra[] = ['auto', 'pinned', 'legacy'];

async function connect(proxy: ModernTestProxy, era: ClientEra, principal: string): Promise<Client> {
  const client = await connectEra(proxy.url, era, { capabilities: { sampling: {}, elicitation: {} } }, { 'x-test-principal': principal });
  client.setRequestHandler('sampling/createMessage', async (request) => ({
    model: 'test-model',
    role: 'assistant',
    content: { type: 'text', text: `answer to ${(request.params.messages[0]?.content as { text: string }).text}` },
  }));
  return client;
}

for (const kind of ['modern', 'legacy', 'everything'] as const) {
  describe(`matrix: ${kind} child through mcp-proxy`, () => {
    const spec = SPECS[kind];
    let proxy: ModernTestProxy;
    const pids = new Set<number>();

    beforeAll(async () => {
      proxy = await startModernProxy(kind, { auth: headerAuth });
    });
    afterAll(async () => {
      for (const principal of ['alice', 'bob', 'carol']) {
        const child = proxy.modern.children.size > 0 ? await proxy.modern.children.get(principal) : undefined;
        if (child?.pid) pids.add(child.pid);
      }
      await proxy.close();
      expect(await waitFor(() => [...pids].every((pid) => !alive(pid)), 5_000)).toBe(true);
    });

    for (const era of CLIENT_ERAS) {
      describe(`${era} client`, () => {
        it('discovers (or initializes) and lists tools', async () => {
          const client = await connect(proxy, era, 'alice');
          expect(client.getServerVersion()?.name).toMatch(spec.serverName);
          const tools = await client.listTools();
          expect(tools.tools.map((t) => t.name)).toContain(spec.progress.name);
          await client.close();
        });

        it('calls a tool with progress', async () => {
          const client = await connect(proxy, era, 'alice');
          const seen: number[] = [];
          const result = await client.callTool({ name: spec.progress.name, arguments: spec.progress.arguments }, { onprogress: (p) => seen.push(p.progress) });
          expect(textOf(result)).not.toBe('');
          expect(seen).toEqual(Array.from({ length: spec.progress.steps }, (_, i) => i + 1));
          await client.close();
        });

        it('completes a sampling round trip', async () => {
          const client = await connect(proxy, era, 'alice');
          const result = await client.callTool({ name: spec.sample.name, arguments: spec.sample.arguments });
          expect(textOf(result)).toMatch(/answer to [^"]*ping/);
          await client.close();
        });

        it('delivers a resource update to a subscription', async () => {
          const client = await connect(proxy, era, 'alice');
          expect(await subscribeAndAwaitUpdate(client, era === 'legacy', spec.uri, spec.touch)).toBe(spec.uri);
          await client.close();
        });

        it('isolates principals: two children, and one principal\'s handle is unknown to the other', async () => {
          const a = await connect(proxy, era, 'bob');
          const b = await connect(proxy, era, 'carol');
          if (spec.handle) {
            const handle = await spec.handle.mint(a);
            expect(await spec.handle.read(a, handle)).toBe('alpha');
            expect(await spec.handle.read(b, handle)).not.toBe('alpha');
          } else {
            await a.listTools();
            await b.listTools();
          }
          if (era === 'legacy') {
            expect(proxy.sessions.size).toBeGreaterThanOrEqual(2);
          } else {
            const [ca, cb] = [await proxy.modern.children.get('bob'), await proxy.modern.children.get('carol')];
            expect(ca?.pid).toBeDefined();
            expect(cb?.pid).toBeDefined();
            expect(ca?.pid).not.toBe(cb?.pid);
          }
          await a.close();
          await b.close();
        });
      });
    }
  });
}
