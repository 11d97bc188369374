/**
 * The era router's edges, through the real binary: EOF before any message, an unreachable remote while
 * the protocol probe runs, and cancellation on the stateless route (it aborts the request's POST).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnRawBridge, stopRawBridge } from '../../helpers/client-bridge.js';
import { startModernHttpRemote, type ModernHttpRemote } from '../../helpers/modern-http-remote.js';

const envelope = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

describe('mcp-client era router', () => {
  let remote: ModernHttpRemote;
  beforeAll(async () => {
    remote = await startModernHttpRemote();
  });
  afterAll(async () => {
    await remote.close();
  });

  it('stdin closed before any message: exits 0 without touching the remote', async () => {
    const before = remote.requests.length;
    const raw = spawnRawBridge([remote.url]);
    raw.child.stdin.end();
    expect((await raw.exited).code).toBe(0);
    expect(remote.requests.length).toBe(before);
  });

  it('an unreachable remote during the probe is retried for the budget, then the waiting request gets an error and the exit code is 1', async () => {
    const raw = spawnRawBridge(['--reconnect-timeout', '1', `http://127.0.0.1:${await freePort()}/mcp`]);
    try {
      raw.send({ jsonrpc: '2.0', id: 'first', method: 'server/discover', params: { _meta: envelope } });
      const answer = await raw.waitFor((m) => m.id === 'first', 10_000);
      expect((answer.error as { message: string }).message).toMatch(/unreachable for 1s/);
      expect((await raw.exited).code).toBe(1);
      expect(raw.stderr()).toContain('retrying for up to 1s');
    } finally {
      await stopRawBridge(raw);
    }
  });

  it('notifications/cancelled on the stateless route aborts the request; later requests still work', async () => {
    const before = remote.abandoned;
    const raw = spawnRawBridge([remote.url]);
    try {
      raw.send({ jsonrpc: '2.0', id: 'slow', method: 'tools/call', params: { name: 'progress', arguments: { steps: 4, delayMs: 150 }, _meta: { progressToken: 'p', ...envelope } } });
      await raw.waitFor((m) => m.method === 'notifications/progress');
      raw.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'slow', reason: 'user' } });
      raw.send({ jsonrpc: '2.0', id: 'next', method: 'tools/call', params: { name: 'echo', arguments: { message: 'still here' }, _meta: envelope } });
      expect(((await raw.waitFor((m) => m.id === 'next')).result as { content: Array<{ text: string }> }).content[0]?.text).toBe('echo: still here');
      // The server saw the abort (the tool stops at its next step), and nothing more reached stdout.
      await new Promise((r) => setTimeout(r, 900));
      expect(remote.abandoned).toBe(before + 1);
      expect(raw.messages.some((m) => m.id === 'slow')).toBe(false);
    } finally {
      raw.child.stdin.end();
      await raw.exited;
      await stopRawBridge(raw);
    }
  });
});
