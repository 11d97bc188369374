/**
 * The bridge's era matrix: the real mcp-client binary between an SDK v2 stdio client of each era
 * (version negotiation `auto`, pinned 2026-07-28, 2025 `legacy`) and a remote of each era — a
 * modern-only server (SDK `createMcpHandler`, legacy rejected), a 2025-only server (mcp-proxy without
 * its modern handler, wrapping the 2025 fixture) and a dual-era one (mcp-proxy wrapping the modern
 * fixture). Every cell: handshake, tools/list, a call with progress, a sampling and an elicitation
 * round trip, and a resource subscription delivering an update. The route the bridge chose is read
 * from its log, so each cell also proves that adaptation happens only where the eras differ.
 */

import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnRawBridge, startBridge, stopRawBridge, type BridgeHarness, type LocalEra } from '../../helpers/client-bridge.js';
import { headerAuth, startModernProxy, subscribeAndAwaitUpdate } from '../../helpers/modern-harness.js';
import { startModernHttpRemote } from '../../helpers/modern-http-remote.js';
import { startTestProxy, textOf } from '../../helpers/proxy-harness.js';

type RemoteKind = 'modern-only' | 'legacy-only' | 'dual-era';

interface Remote {
  url: string;
  close(): Promise<void>;
}

interface RemoteSpec {
  start(): Promise<Remote>;
  serverName: RegExp;
  uri: string;
  /** Makes the server announce an update of `uri` once subscribed (the 2025 fixture does so by itself). */
  touch?: (client: Client, uri: string) => Promise<unknown>;
}

const touchTool = (c: Client, uri: string): Promise<unknown> => c.callTool({ name: 'touch', arguments: { uri } });

const REMOTES: Record<RemoteKind, RemoteSpec> = {
  'modern-only': { start: () => startModernHttpRemote('modern-http-remote'), serverName: /^modern-http-remote$/, uri: 'test://r/0', touch: touchTool },
  'legacy-only': { start: () => startTestProxy(), serverName: /^legacy-fixture$/, uri: 'test://r/1' },
  'dual-era': { start: () => startModernProxy('modern'), serverName: /^modern-fixture$/, uri: 'test://r/0', touch: touchTool },
};

/** The route mcp-client must pick for a local era on a remote (the local `auto` client ends up modern). */
function expectedRoute(local: LocalEra, remote: RemoteKind): string {
  const modernLocal = local !== 'legacy';
  if (remote === 'dual-era') return modernLocal ? 'modern' : 'legacy';
  if (remote === 'modern-only') return modernLocal ? 'modern' : 'legacy-on-modern';
  return modernLocal ? 'modern-on-legacy' : 'legacy';
}

for (const kind of ['modern-only', 'legacy-only', 'dual-era'] as const) {
  describe(`mcp-client bridge on a ${kind} remote`, () => {
    const spec = REMOTES[kind];
    let remote: Remote;
    beforeAll(async () => {
      remote = await spec.start();
    });
    afterAll(async () => {
      await remote.close();
    });

    for (const era of ['auto', 'pinned', 'legacy'] as const) {
      it(`${era} local client: route ${expectedRoute(era, kind)}; list, progress, sampling, elicitation, subscription`, async () => {
        const h: BridgeHarness = await startBridge({ args: ['--log-level', 'debug', remote.url], era, onSampling: () => 'from the local client' });
        try {
          const { client } = h;
          expect(client.getServerVersion()?.name).toMatch(spec.serverName);
          const tools = await client.listTools();
          expect(tools.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'progress', 'sample', 'elicit']));

          const seen: number[] = [];
          // 300 ms between steps: the first progress lines leave well before the result, even on a loaded machine.
          const progressed = await client.callTool({ name: 'progress', arguments: { steps: 3, delayMs: 300 } }, { onprogress: (p) => seen.push(p.progress) });
          expect(textOf(progressed)).toMatch(/done|3/);
          // The SDK stdio client runs notification handlers a microtask after responses, so on a loaded
          // machine progress lines read in the same chunk as the result are dropped on its side (and
          // reported as "unknown token"); the wire order is asserted exactly in the raw test below.
          expect(seen.length).toBeGreaterThanOrEqual(1);
          expect(seen).toEqual([1, 2, 3].slice(0, seen.length));

          expect(textOf(await client.callTool({ name: 'sample', arguments: { prompt: 'ping' } }))).toContain('from the local client');
          expect(textOf(await client.callTool({ name: 'elicit', arguments: {} }))).toContain('Ada');
          expect(await subscribeAndAwaitUpdate(client, era === 'legacy', spec.uri, spec.touch)).toBe(spec.uri);

          expect(h.stderr()).toContain(`"route":"${expectedRoute(era, kind)}"`);
          expect(h.transportErrors.filter((e) => !/progress notification for an unknown token/.test(e.message))).toEqual([]);
        } finally {
          await h.close();
        }
      });
    }
  });
}

describe('mcp-client bridge, 2026-07-28 wire', () => {
  let remote: Awaited<ReturnType<typeof startModernHttpRemote>>;
  beforeAll(async () => {
    remote = await startModernHttpRemote();
  });
  afterAll(async () => {
    await remote.close();
  });

  const envelope = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

  it('passes a modern request through with its headers, relays progress before the result, and adds no session', async () => {
    const raw = spawnRawBridge([remote.url]);
    try {
      raw.send({ jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'progress', arguments: { steps: 3, delayMs: 1 }, _meta: { progressToken: 7, ...envelope } } });
      await raw.waitFor((m) => m.id === 'a');
      const order = raw.messages.map((m) => (m.id === 'a' ? 'result' : (m.params as { progress: number }).progress));
      expect(order).toEqual([1, 2, 3, 'result']);
      const post = remote.requests.find((r) => r.headers['mcp-method'] === 'tools/call');
      expect(post?.headers['mcp-name']).toBe('progress');
      expect(post?.headers['mcp-protocol-version']).toBe('2026-07-28');
      expect(remote.requests.every((r) => r.headers['mcp-session-id'] === undefined)).toBe(true);
    } finally {
      raw.child.stdin.end();
      await raw.exited;
      await stopRawBridge(raw);
    }
  });

  it('an unsupported revision in the envelope gets the remote\'s -32022, relayed as the answer', async () => {
    const raw = spawnRawBridge([remote.url]);
    try {
      raw.send({ jsonrpc: '2.0', id: 'v', method: 'tools/list', params: { _meta: { ...envelope, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } } });
      const answer = await raw.waitFor((m) => m.id === 'v');
      expect(answer.error).toMatchObject({ code: -32022 });
    } finally {
      raw.child.stdin.end();
      await raw.exited;
      await stopRawBridge(raw);
    }
  });
});

describe('mcp-client bridge, JSON-RPC errors a 2026-07-28 remote sends with an HTTP error status', () => {
  it('a method-not-found answered with 404 reaches the local client as that -32601, not as a transport failure', async () => {
    const proxy = await startModernProxy('legacy');
    const raw = spawnRawBridge([proxy.url]);
    try {
      const envelope = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' } };
      raw.send({ jsonrpc: '2.0', id: 'gone', method: 'ping', params: { _meta: envelope } });
      raw.send({ jsonrpc: '2.0', id: 'vendor', method: 'vendor/unknown', params: { _meta: envelope } });
      const removed = await raw.waitFor((m) => m.id === 'gone');
      const unknown = await raw.waitFor((m) => m.id === 'vendor');
      expect(removed.error).toMatchObject({ code: -32601 });
      expect(unknown.error).toMatchObject({ code: -32601 });
      expect(JSON.stringify([removed, unknown])).not.toContain('mcp-client:');
    } finally {
      raw.child.stdin.end();
      await raw.exited;
      await stopRawBridge(raw);
      await proxy.close();
    }
  });
});

describe('mcp-client bridge, principal isolation behind mcp-proxy', () => {
  let proxy: Awaited<ReturnType<typeof startModernProxy>>;
  beforeAll(async () => {
    proxy = await startModernProxy('modern', { auth: headerAuth });
  });
  afterAll(async () => {
    await proxy.close();
  });

  for (const era of ['pinned', 'legacy'] as const) {
    it(`${era} local clients of two principals reach two children; one's handle is unknown to the other`, async () => {
      const as = (who: string): Promise<BridgeHarness> => startBridge({ args: ['--header', `x-test-principal: ${who}-${era}`, proxy.url], era });
      const [a, b] = [await as('alice'), await as('bob')];
      try {
        const handle = textOf(await a.client.callTool({ name: 'mint_handle', arguments: { value: 'alpha' } }));
        expect(textOf(await a.client.callTool({ name: 'read_handle', arguments: { handle } }))).toBe('alpha');
        expect(textOf(await b.client.callTool({ name: 'read_handle', arguments: { handle } }))).toBe(`unknown handle ${handle}`);
        const [pa, pb] = [textOf(await a.client.callTool({ name: 'pid', arguments: {} })), textOf(await b.client.callTool({ name: 'pid', arguments: {} }))];
        expect(pa).not.toBe(pb);
      } finally {
        await a.close();
        await b.close();
      }
    });
  }
});
