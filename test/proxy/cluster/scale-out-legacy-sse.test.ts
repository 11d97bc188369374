import { Client, SSEClientTransport } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { clusterHarness } from '../../helpers/cluster-harness.js';
import { redisGet } from '../../helpers/cluster-run.js';
import { textOf, waitFor } from '../../helpers/proxy-harness.js';
import type { ProxyBinary } from '../../helpers/proxy-binary.js';
import { legacySession, postMessage, type LegacySseStream } from '../../helpers/legacy-sse-wire.js';
import { call, openSession } from '../../helpers/raw-http.js';

/**
 * Legacy HTTP+SSE (2024-11-05) clients behind three mcp-proxy instances and a round-robin balancer without
 * stickiness: the GET that opens the stream lands on one instance, which owns the session (its child and its
 * stream); the POSTs land anywhere and are forwarded to it.
 */

const cluster = clusterHarness();

async function forwarded(p: ProxyBinary): Promise<number> {
  const text = await (await fetch(p.url.replace(/\/mcp$/, '/metrics'), { signal: AbortSignal.timeout(10_000) })).text();
  return Number(/^mcp_proxy_forwarded_requests_total\{outcome="ok"\} (\d+)$/m.exec(text)?.[1] ?? '0');
}

describe('mcp-proxy --redis-url: legacy SSE sessions behind a balancer without stickiness', () => {
  it('the SDK SSE client: tool calls and a sampling round trip whose POSTs land on every instance, one child', async () => {
    const { instances, balancer, base } = await cluster();
    const client = new Client({ name: 'sse-cluster', version: '1.0.0' }, { capabilities: { sampling: {} } });
    client.setRequestHandler('sampling/createMessage', async (request) => ({
      role: 'assistant', model: 'test', content: { type: 'text', text: `answer to ${JSON.stringify(request.params.messages[0]?.content)}` },
    }));
    await client.connect(new SSEClientTransport(new URL(`${base}/sse`)));
    try {
      const owner = balancer.served[0]!; // the GET that opened the stream
      const pids = new Set<string>();
      for (let i = 0; i < 4; i++) pids.add(textOf(await client.callTool({ name: 'pid', arguments: {} })));
      expect(pids.size).toBe(1);
      // The child asks on the owner's stream; the client's answer is a POST that lands on another instance.
      expect(textOf(await client.callTool({ name: 'sample', arguments: { prompt: 'ping' } }))).toMatch(/^sampled: answer to/);
      expect(new Set(balancer.served).size).toBe(3);
      // Every POST that reached another instance than the owner was forwarded exactly once (a POST's 202 may
      // reach the balancer just after the answer it caused came on the stream: wait until both agree).
      const agree = async (): Promise<boolean> => {
        const counts = await Promise.all(instances.map(forwarded));
        const expected = balancer.served.slice(1).filter((i) => i !== owner).length;
        return counts[owner] === 0 && expected > 0 && counts.reduce((a, b) => a + b, 0) === expected;
      };
      expect(await waitFor(agree, 5_000)).toBe(true);
    } finally {
      await client.close();
    }
  }, 90_000);

  it('the directory holds the session while its stream is open; a POST for it after the stream closed, or for an unknown id, is 404 anywhere', async () => {
    const { redis, instances, balancer, base } = await cluster();
    const { stream, messages } = await legacySession(base);
    const id = new URL(messages).searchParams.get('sessionId')!;
    const owner = balancer.served[0]!;
    expect(await redisGet(redis.url, `mcp-proxy:s:${id}`)).toBe(instances[owner]!.url);
    // A ping through each instance in turn, answered on the owner's stream.
    for (let i = 0; i < 3; i++) {
      expect((await postMessage(messages, { jsonrpc: '2.0', id: 100 + i, method: 'ping' })).status).toBe(202);
      await stream.next((m) => m.id === 100 + i);
    }
    expect((await postMessage(`${base}/messages?sessionId=not-a-session`, { jsonrpc: '2.0', id: 1, method: 'ping' })).status).toBe(404);
    // A POST claiming to be a hop from another instance with a wrong secret is refused, never served or forwarded.
    const other = instances[(owner + 1) % 3]!.url.replace(/\/mcp$/, '');
    const forged = await postMessage(`${other}/messages?sessionId=${id}`, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'x-mcp-proxy-cluster-secret': 'not-the-secret' });
    expect(forged.status).toBe(403);
    stream.close();
    expect(await waitFor(async () => (await redisGet(redis.url, `mcp-proxy:s:${id}`)) === null, 10_000)).toBe(true);
    for (let i = 0; i < 3; i++) expect((await postMessage(messages, { jsonrpc: '2.0', id: 200 + i, method: 'ping' })).status).toBe(404);
  }, 90_000);

  it('--isolation principal: SSE streams opened through different instances meet on the one child of their principal, with its Streamable HTTP sessions', async () => {
    const { instances, balancer, base } = await cluster(3, ['--isolation', 'principal']);
    const pidOver = async (stream: LegacySseStream, messages: string, id: number): Promise<string> => {
      expect((await postMessage(messages, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'pid', arguments: {} } })).status).toBe(202);
      return textOf((await stream.next((m) => m.id === id)).result);
    };
    const a = await legacySession(base); // GET, initialize, initialized: three requests
    // One more request, so that the next GET lands on another instance than the first one did.
    expect((await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);
    const b = await legacySession(base);
    expect(balancer.served[4]).not.toBe(balancer.served[0]); // the two GETs reached two instances
    const pids = new Set([await pidOver(a.stream, a.messages, 10), await pidOver(b.stream, b.messages, 11)]);
    const sid = await openSession(balancer.url); // a Streamable HTTP session of the same (anonymous) principal
    pids.add(textOf((await call(balancer.url, sid, 12, 'pid')).result));
    expect(pids.size).toBe(1);
    // One instance holds the child: the others' /healthz count no session of theirs.
    const counts = await Promise.all(instances.map(async (p) => ((await (await fetch(p.url.replace(/\/mcp$/, '/healthz'), { signal: AbortSignal.timeout(5_000) })).json()) as { sessions: number }).sessions));
    expect(counts.filter((n) => n > 0)).toHaveLength(1);
    a.stream.close();
    b.stream.close();
  }, 90_000);
});

