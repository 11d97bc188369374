import type { Client } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyOptions } from '../../../src/proxy/proxy-options.js';
import { connectEra, MODERN_FIXTURE, startModernProxy, type ModernTestProxy } from '../../helpers/modern-harness.js';
import { alive, textOf, waitFor } from '../../helpers/proxy-harness.js';

/**
 * A 2025-era client (SDK v2 `Client`, `versionNegotiation: {mode: 'legacy'}`) through mcp-proxy's 2025
 * sessions. With a modern-only child (`--legacy reject`) the session switches to the era adapter; with
 * the dual-era child the same scenarios must keep working on the plain relay.
 */

const ADAPTED_LOG = 'goes through the era adapter';

function childOf(args: string[]): ProxyOptions['child'] {
  return { command: process.execPath, args, env: {}, passEnv: true, baseEnv: process.env, shell: false };
}

async function connectLegacy(proxy: ModernTestProxy): Promise<Client> {
  const client = await connectEra(proxy.url, 'legacy', { capabilities: { sampling: {}, elicitation: {} } });
  client.setRequestHandler('sampling/createMessage', async (request) => ({
    model: 'test-model',
    role: 'assistant',
    content: { type: 'text', text: `answer to ${(request.params.messages[0]?.content as { text: string }).text}` },
  }));
  client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: 'Ada' } }));
  return client;
}

const pidOf = async (client: Client): Promise<number> => Number(textOf(await client.callTool({ name: 'pid', arguments: {} })));

const VARIANTS = [
  { title: 'modern-only child (--legacy reject): adapted session', args: [MODERN_FIXTURE, '--legacy', 'reject'], adapted: true },
  { title: 'dual-era child: plain relay (no regression)', args: [MODERN_FIXTURE], adapted: false },
] as const;

for (const variant of VARIANTS) {
  describe(`2025-era client, ${variant.title}`, () => {
    let proxy: ModernTestProxy;
    const pids = new Set<number>();
    const clients: Client[] = [];
    const open = async (): Promise<Client> => {
      const client = await connectLegacy(proxy);
      clients.push(client);
      pids.add(await pidOf(client));
      return client;
    };

    beforeAll(async () => {
      proxy = await startModernProxy('modern', { child: childOf([...variant.args]) });
    });
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.close()));
    });
    afterAll(async () => {
      await proxy.close();
      expect(await waitFor(() => [...pids].every((pid) => !alive(pid)), 5_000)).toBe(true);
    });

    it('initializes (server info from the child) and lists tools', async () => {
      const client = await open();
      expect(client.getServerVersion()?.name).toBe('modern-fixture');
      expect(client.getServerCapabilities()?.tools).toBeDefined();
      expect(proxy.lines.some((l) => l.includes(ADAPTED_LOG))).toBe(variant.adapted);
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'progress', 'sample', 'elicit', 'pid', 'touch']));
      expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'hi' } }))).toBe('echo: hi');
    });

    it('calls a tool with progress (1, 2, 3)', async () => {
      const client = await open();
      const seen: number[] = [];
      const result = await client.callTool({ name: 'progress', arguments: { steps: 3, delayMs: 5 } }, { onprogress: (p) => seen.push(p.progress) });
      expect(textOf(result)).toBe('done 3');
      expect(seen).toEqual([1, 2, 3]);
    });

    it('completes a sampling round trip', async () => {
      const client = await open();
      const result = await client.callTool({ name: 'sample', arguments: { prompt: 'ping' } });
      expect(textOf(result)).toBe('sampled: answer to ping');
    });

    it('completes an elicitation', async () => {
      const client = await open();
      const result = await client.callTool({ name: 'elicit', arguments: {} });
      expect(textOf(result)).toBe('elicited: {"action":"accept","content":{"name":"Ada"}}');
    });

    it('delivers notifications/resources/updated to a resources/subscribe subscription', async () => {
      const client = await open();
      const uri = 'test://r/0';
      let resolveUpdate!: (uri: string) => void;
      const updated = new Promise<string>((r) => (resolveUpdate = r));
      client.setNotificationHandler('notifications/resources/updated', (n) => {
        if (n.params.uri === uri) resolveUpdate(n.params.uri);
      });
      await client.subscribeResource({ uri });
      expect(textOf(await client.callTool({ name: 'touch', arguments: { uri } }))).toBe(`touched ${uri}`);
      const timeout = new Promise<string>((_, reject) => setTimeout(() => reject(new Error('no resources/updated within 8s')), 8_000));
      expect(await Promise.race([updated, timeout])).toBe(uri);
    });

    it('gives two sessions two different children', async () => {
      const a = await open();
      const b = await open();
      const [pa, pb] = [await pidOf(a), await pidOf(b)];
      expect(pa).not.toBe(pb);
      expect(proxy.sessions.size).toBeGreaterThanOrEqual(2);
    });
  });
}

describe('2025-era client, modern-only child: faults', () => {
  let proxy: ModernTestProxy | undefined;
  const pids = new Set<number>();
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    expect(await waitFor(() => [...pids].every((pid) => !alive(pid)), 5_000)).toBe(true);
  });

  it('applies the request timeout to an adapted request (-32010), and the session stays usable', { timeout: 60_000 }, async () => {
    // A 2 s timeout against a 60 s call: the timeout, not the answer, ends it, with a wide margin either way.
    proxy = await startModernProxy('modern', { child: childOf([MODERN_FIXTURE, '--legacy', 'reject']), requestTimeoutMs: 2_000 });
    const client = await connectLegacy(proxy);
    pids.add(await pidOf(client));
    const started = Date.now();
    await expect(client.callTool({ name: 'progress', arguments: { steps: 1, delayMs: 60_000 } }, { timeout: 120_000 })).rejects.toMatchObject({ code: -32010 });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'after' } }))).toBe('echo: after');
    await client.close();
  });

  it('fails the in-flight request when the child dies, with the exit reason', async () => {
    proxy = await startModernProxy('modern', { child: childOf([MODERN_FIXTURE, '--legacy', 'reject']) });
    const client = await connectLegacy(proxy);
    const pid = await pidOf(client);
    pids.add(pid);
    const call = client.callTool({ name: 'progress', arguments: { steps: 1, delayMs: 10_000 } });
    const outcome = call.then(() => 'answered', (error: unknown) => error as { code?: number; message?: string });
    await new Promise((r) => setTimeout(r, 200));
    process.kill(pid, 'SIGKILL');
    const error = await outcome;
    expect(error).toMatchObject({ code: -32603 });
    expect((error as { message: string }).message).toMatch(/SIGKILL/);
    expect(await waitFor(() => proxy!.sessions.size === 0, 5_000)).toBe(true);
    await client.close();
  });
});
