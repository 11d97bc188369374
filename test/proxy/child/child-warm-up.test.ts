import { afterEach, describe, expect, it } from 'vitest';
import { ChildProcess } from '../../../src/proxy/child/child-process.js';
import { silentLogger } from '../../../src/shared/logger.js';
import type { JsonRpcMessage } from '../../../src/shared/jsonrpc.js';
import { FIXTURE, textOf } from '../../helpers/proxy-harness.js';

/** ChildProcess.warmUp: the pre-initialize ping of a prewarmed child, whose answer is the proxy's own. */

const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.stop()));
});

function fixture(...flags: string[]): ChildProcess {
  const child = new ChildProcess({
    command: process.execPath, args: [FIXTURE, ...flags], env: {}, passEnv: true, baseEnv: process.env,
    shell: false, maxLineBytes: 1 << 20, killGraceMs: 2_000, logger: silentLogger,
  });
  children.push(child);
  return child;
}

/** Collects what reaches the child's `onmessage` (what a session would see). */
function received(child: ChildProcess): JsonRpcMessage[] {
  const seen: JsonRpcMessage[] = [];
  child.onmessage = (m) => seen.push(m);
  return seen;
}

async function answerTo(child: ChildProcess, seen: JsonRpcMessage[], id: number, method: string, params?: Record<string, unknown>): Promise<JsonRpcMessage> {
  child.send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
  for (let i = 0; i < 500; i++) {
    const hit = seen.find((m) => 'id' in m && m.id === id);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no answer to ${method}`);
}

const INIT_PARAMS = { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '1' } };

describe('ChildProcess.warmUp', () => {
  it('sends a ping before initialize, resolves once answered, and the answer reaches no session', { timeout: 20_000 }, async () => {
    const child = fixture();
    const seen = received(child);
    expect(await child.warmUp(10_000)).toBe(true);
    expect(seen).toEqual([]);
    await answerTo(child, seen, 1, 'initialize', INIT_PARAMS);
    const caps = await answerTo(child, seen, 2, 'tools/call', { name: 'client_caps', arguments: {} });
    expect(JSON.parse(textOf((caps as { result: unknown }).result))).toMatchObject({ initializeCalls: 1, beforeInitialize: ['ping'] });
    expect(seen.map((m) => ('id' in m ? m.id : undefined))).toEqual([1, 2]);
  });

  it('gives up after its timeout, and an answer that comes later, once a session has the child, is still dropped', { timeout: 20_000 }, async () => {
    const child = fixture('--ping-delay', '600');
    const t0 = Date.now();
    expect(await child.warmUp(100)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(550);
    const seen = received(child);
    await answerTo(child, seen, 1, 'initialize', INIT_PARAMS);
    await new Promise((r) => setTimeout(r, 900)); // the ping's answer has come by now
    await answerTo(child, seen, 2, 'tools/call', { name: 'pid', arguments: {} });
    expect(seen.map((m) => ('id' in m ? m.id : undefined))).toEqual([1, 2]);
  });

  it('resolves false at once for a child that is gone, and is sent only once', { timeout: 20_000 }, async () => {
    const dead = fixture('--exit-on-start', '4');
    await dead.exited;
    expect(await dead.warmUp(5_000)).toBe(false);
    const child = fixture('--ping-delay', '300');
    const first = child.warmUp(5_000);
    expect(await child.warmUp(5_000)).toBe(false);
    expect(await first).toBe(true);
  });
});
