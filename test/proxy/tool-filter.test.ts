import type { Client } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyOptions } from '../../src/proxy/proxy-options.js';
import type { RunningProxy } from '../../src/proxy/server.js';
import { connectEra, EVERYTHING, MODERN_FIXTURE, startModernProxy } from '../helpers/modern-harness.js';
import { FIXTURE, textOf } from '../helpers/proxy-harness.js';
import { messagesOf, openSession, post } from '../helpers/raw-http.js';
import { final, post as modernPost, request } from '../helpers/modern-wire.js';

/**
 * --allow-tools / --deny-tools on every path: 2025 sessions (plain relay, era adapter) and 2026-07-28
 * principals (a 2025-era child behind the translator, a modern child passed through), with real
 * fixture children. A hidden tool is absent from every tools/list page, its call is answered
 * -32602 "Unknown tool: <name>" without reaching the server, and everything else works as before.
 */

const running: RunningProxy[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.close()));
});

const child = (args: string[]): ProxyOptions['child'] => ({ command: process.execPath, args, env: {}, passEnv: true, baseEnv: process.env, shell: false });
const LEGACY_TOOLS = ['echo', 'add', 'progress', 'sample', 'elicit', 'roots', 'crash', 'hang', 'pid', 'set_state', 'get_state', 'log', 'big', 'fail', 'env', 'cwd', 'ask_all', 'elicit_twice', 'touch', 'subscriptions', 'client_caps'];

async function start(overrides: Partial<ProxyOptions>, era: 'legacy' | 'modern' | 'auto' = 'legacy'): Promise<RunningProxy & { lines: string[] }> {
  const proxy = await startModernProxy('legacy', overrides, era);
  running.push(proxy);
  return proxy;
}

type Page = { tools: Array<{ name: string }>; nextCursor?: string };

/** Walks tools/list of a 2025 session page by page (raw HTTP): the names and the page count. */
async function sessionPages(url: string, sid: string): Promise<{ names: string[]; pages: Page[] }> {
  const pages: Page[] = [];
  let cursor: string | undefined;
  do {
    const res = await post(url, { jsonrpc: '2.0', id: 100 + pages.length, method: 'tools/list', params: cursor ? { cursor } : {} }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    const page = (await messagesOf(res))[0]!.result as Page;
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== undefined && pages.length < 20);
  return { names: pages.flatMap((p) => p.tools.map((t) => t.name)), pages };
}

async function sessionRequest(url: string, sid: string, method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await post(url, { jsonrpc: '2.0', id: 9, method, params }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
  return (await messagesOf(res)).find((m) => m.id === 9)!;
}

describe('tool filter, 2025 sessions', () => {
  it('plain relay: hidden tools are gone from every page (cursors intact, a page may be empty); a hidden call never reaches the server', async () => {
    const proxy = await start({ child: child([FIXTURE, '--tools-page', '3']), toolFilter: { allow: [], deny: ['crash', 'h?ng', 'elicit*', 'roots', 'sample'] } });
    const sid = await openSession(proxy.url);
    const { names, pages } = await sessionPages(proxy.url, sid);
    const hidden = new Set(['crash', 'hang', 'elicit', 'elicit_twice', 'roots', 'sample']);
    expect(names).toEqual(LEGACY_TOOLS.filter((n) => !hidden.has(n)));
    expect(pages).toHaveLength(Math.ceil(LEGACY_TOOLS.length / 3)); // the server's pagination (pages of 3), unchanged
    expect(pages.some((p) => p.tools.length === 0)).toBe(true); // sample, elicit, roots: an empty page that still has its cursor
    expect(pages.filter((p) => p.tools.length === 0).every((p) => p.nextCursor !== undefined)).toBe(true);
    const pid = textOf((await sessionRequest(proxy.url, sid, 'tools/call', { name: 'pid', arguments: {} })).result);
    const crash = await sessionRequest(proxy.url, sid, 'tools/call', { name: 'crash', arguments: {} });
    expect(crash.error).toEqual({ code: -32602, message: 'Unknown tool: crash' });
    // Had the call reached the fixture it would have exited: the same child still answers.
    expect(textOf((await sessionRequest(proxy.url, sid, 'tools/call', { name: 'pid', arguments: {} })).result)).toBe(pid);
    // Everything else passes unchanged: a visible call, another listing with its own pagination.
    expect(textOf((await sessionRequest(proxy.url, sid, 'tools/call', { name: 'echo', arguments: { message: 'hi' } })).result)).toBe('echo: hi');
    expect((await sessionRequest(proxy.url, sid, 'resources/list', {})).result).toMatchObject({ nextCursor: '2' });
  }, 30_000);

  it('an allow list shows only what it names; deny wins over allow (SDK client, SDK transport path)', async () => {
    const proxy = await start({ child: child([FIXTURE]), toolFilter: { allow: ['e*', 'pid'], deny: ['elicit*'] } });
    const client = await connectEra(proxy.url, 'legacy');
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo', 'pid', 'env']);
      await expect(client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).rejects.toThrow(/Unknown tool: add/);
      await expect(client.callTool({ name: 'elicit', arguments: {} })).rejects.toThrow(/Unknown tool: elicit/);
      expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'x' } }))).toBe('echo: x');
    } finally {
      await client.close();
    }
  }, 30_000);

  it('a modern-only child behind the era adapter is filtered the same way', async () => {
    const proxy = await start({ child: child([MODERN_FIXTURE, '--legacy', 'reject']), toolFilter: { allow: [], deny: ['add', 'mint_*'] } }, 'auto');
    const client = await connectEra(proxy.url, 'legacy');
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('echo');
      expect(names).not.toContain('add');
      expect(names).not.toContain('mint_handle');
      await expect(client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).rejects.toThrow(/Unknown tool: add/);
      expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'm' } }))).toBe('echo: m');
      expect(proxy.lines.join('')).toContain('goes through the era adapter');
    } finally {
      await client.close();
    }
  }, 30_000);

  it('server-everything (a real third-party server): hidden tools gone, their calls refused', async () => {
    const proxy = await start({ child: child([EVERYTHING, 'stdio']), toolFilter: { allow: [], deny: ['echo', 'get-*'] } }, 'legacy');
    const client = await connectEra(proxy.url, 'legacy');
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names.length).toBeGreaterThan(3);
      expect(names).not.toContain('echo');
      expect(names.filter((n) => n.startsWith('get-'))).toEqual([]);
      await expect(client.callTool({ name: 'echo', arguments: { message: 'x' } })).rejects.toThrow(/Unknown tool: echo/);
    } finally {
      await client.close();
    }
  }, 40_000);
});

describe('tool filter, 2026-07-28 principals', () => {
  it('a 2025-era child behind the translator: every page filtered, cursors kept; a hidden call gets -32602 in-band (status 200)', async () => {
    const proxy = await start({ child: child([FIXTURE, '--tools-page', '3']), toolFilter: { allow: [], deny: ['crash', 'h?ng', 'elicit*', 'roots', 'sample'] } }, 'legacy');
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const answer = await final(await modernPost(proxy.url, request('tools/list', cursor ? { cursor } : {})));
      const page = answer.result as Page;
      names.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined && pages < 20);
    expect(pages).toBe(Math.ceil(LEGACY_TOOLS.length / 3));
    expect(names).not.toContain('crash');
    expect(names).not.toContain('elicit_twice');
    expect(names).toContain('echo');
    const pid = await final(await modernPost(proxy.url, request('tools/call', { name: 'pid', arguments: {} })));
    const res = await modernPost(proxy.url, request('tools/call', { name: 'crash', arguments: {} }));
    expect(res.status).toBe(200);
    expect((await final(res)).error).toEqual({ code: -32602, message: 'Unknown tool: crash' });
    expect(await final(await modernPost(proxy.url, request('tools/call', { name: 'pid', arguments: {} })))).toMatchObject({ result: pid.result });
  }, 30_000);

  it('a modern child (pass-through), through the SDK client pinned to 2026-07-28', async () => {
    const proxy = await start({ child: child([MODERN_FIXTURE]), toolFilter: { allow: ['echo', 'add', 'p*'], deny: ['add'] } }, 'modern');
    let client: Client | undefined;
    try {
      client = await connectEra(proxy.url, 'pinned');
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['echo', 'pid', 'progress']);
      await expect(client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).rejects.toThrow(/Unknown tool: add/);
      expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'z' } }))).toBe('echo: z');
    } finally {
      await client?.close();
    }
  }, 30_000);
});
