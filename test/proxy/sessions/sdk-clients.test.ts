import { createRequire } from 'node:module';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { connectClient, startTestProxy, textOf, waitFor } from '../../helpers/proxy-harness.js';

const require = createRequire(import.meta.url);
const EVERYTHING = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');

let proxy: Awaited<ReturnType<typeof startTestProxy>> | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

describe('SDK v2 clients', () => {
  it('a client negotiating with versionNegotiation auto falls back to initialize and works', async () => {
    proxy = await startTestProxy();
    const client = new Client({ name: 'auto', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    const transport = new StreamableHTTPClientTransport(new URL(proxy.url));
    await client.connect(transport);
    // Without a modern handler the -32022 lists only 2025 revisions: the client took a 2025 session.
    expect(transport.sessionId).toMatch(/.+/);
    expect(proxy.sessions.size).toBe(1);
    expect(client.getServerVersion()?.name).toBe('legacy-fixture');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'negotiated' } }))).toBe('echo: negotiated');
    await client.close();
  });
});

describe('wrapping @modelcontextprotocol/server-everything for real', () => {
  it('initializes, lists and calls tools, reads paginated resources, gets a prompt, and DELETEs', async () => {
    proxy = await startTestProxy({ child: { command: process.execPath, args: [EVERYTHING, 'stdio'], env: {}, passEnv: true, baseEnv: process.env, shell: false } });
    const { client, transport } = await connectClient(proxy.url, { capabilities: { sampling: {}, roots: {} } });
    expect(client.getServerVersion()?.name).toMatch(/everything/i);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('echo');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'hello everything' } }))).toContain('hello everything');
    const page = await client.listResources();
    expect(page.resources.length).toBeGreaterThan(0);
    const prompts = await client.listPrompts();
    expect(prompts.prompts.length).toBeGreaterThan(0);
    await transport.terminateSession();
    expect(await waitFor(() => proxy!.sessions.size === 0)).toBe(true);
    await client.close();
  });
});
