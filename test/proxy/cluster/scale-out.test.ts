import { describe, expect, it } from 'vitest';
import { clusterHarness } from '../../helpers/cluster-harness.js';
import { SseReader, redisGet, sessionHeaders } from '../../helpers/cluster-run.js';
import { alive, textOf, waitFor } from '../../helpers/proxy-harness.js';
import { cleanEnv, runBinary, type ProxyBinary } from '../../helpers/proxy-binary.js';
import { freePort } from '../../helpers/client-bridge.js';
import { FIXTURE } from '../../helpers/proxy-harness.js';
import { INIT, messagesOf, post } from '../../helpers/raw-http.js';
import { final, post as modernPost, request as modernRequest } from '../../helpers/modern-wire.js';
import type { RedisServer } from '../../helpers/redis-server.js';

/**
 * Three real mcp-proxy binaries on one real redis-server, behind a round-robin balancer without stickiness:
 * consecutive requests of one session land on different instances, and the instance that owns the session
 * (its child) serves them all, through forwarding.
 */

const cluster = clusterHarness();

const INIT_SAMPLING = { ...INIT, params: { ...INIT.params, capabilities: { sampling: {} } } };

async function open(url: string): Promise<string> {
  const res = await post(url, INIT_SAMPLING);
  expect(res.status).toBe(200);
  const sid = res.headers.get('mcp-session-id')!;
  await res.text();
  const ack = await fetch(url, { method: 'POST', headers: sessionHeaders(sid), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), signal: AbortSignal.timeout(10_000) });
  expect(ack.status).toBe(202);
  return sid;
}

const send = (url: string, sid: string, message: unknown, ms = 10_000): Promise<Response> =>
  fetch(url, { method: 'POST', headers: sessionHeaders(sid), body: JSON.stringify(message), signal: AbortSignal.timeout(ms) });

async function tool(url: string, sid: string, id: number, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const res = await send(url, sid, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
  expect(res.status).toBe(200);
  return textOf((await messagesOf(res)).find((m) => m.id === id)?.result);
}

async function forwardedCount(p: ProxyBinary): Promise<number> {
  const text = await (await fetch(p.url.replace(/\/mcp$/, '/metrics'), { signal: AbortSignal.timeout(10_000) })).text();
  return Number(/^mcp_proxy_forwarded_requests_total\{outcome="ok"\} (\d+)$/m.exec(text)?.[1] ?? 'NaN');
}

const health = async (p: ProxyBinary, path = '/healthz'): Promise<{ status: number; body: Record<string, unknown> }> => {
  const res = await fetch(p.url.replace(/\/mcp$/, path), { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

async function ownerOf(redis: RedisServer, instances: ProxyBinary[], sid: string): Promise<number> {
  const owner = await redisGet(redis.url, `mcp-proxy:s:${sid}`);
  const index = instances.findIndex((p) => p.url === owner);
  expect(index).toBeGreaterThanOrEqual(0);
  return index;
}

describe('mcp-proxy --redis-url: several instances behind a balancer without stickiness', () => {
  it('serves a 2025 session whose requests land on every instance: one child, progress, sampling and the GET stream intact', async () => {
    const { redis, instances, balancer } = await cluster();
    const sid = await open(balancer.url);
    const owner = await ownerOf(redis, instances, sid);
    expect(balancer.served[0]).toBe(owner); // placed on the instance that received the initialize

    const pids = [];
    for (let i = 0; i < 3; i++) pids.push(await tool(balancer.url, sid, 10 + i, 'pid'));
    expect(new Set(pids).size).toBe(1);
    expect(new Set(balancer.served).size).toBe(3);

    // Progress streams through the hop, event by event.
    const progress = await send(balancer.url, sid, { jsonrpc: '2.0', id: 20, method: 'tools/call', params: { name: 'progress', arguments: { steps: 3, delayMs: 20 }, _meta: { progressToken: 'p1' } } });
    expect(progress.headers.get('content-type')).toContain('text/event-stream');
    expect(progress.headers.get('x-mcp-proxy-cluster-secret')).toBeNull();
    const events = await messagesOf(progress);
    expect(events.filter((m) => m.method === 'notifications/progress').map((m) => (m.params as { progress: number }).progress)).toEqual([1, 2, 3]);
    expect(textOf(events.at(-1)!.result)).toBe('done 3');

    // Sampling: the question arrives on one instance's stream, the answer is POSTed through another.
    const asking = new SseReader(await send(balancer.url, sid, { jsonrpc: '2.0', id: 30, method: 'tools/call', params: { name: 'sample', arguments: { prompt: 'ping' } } }, 20_000));
    const question = await asking.next((m) => m.method === 'sampling/createMessage');
    const answer = await send(balancer.url, sid, { jsonrpc: '2.0', id: question.id, result: { role: 'assistant', content: { type: 'text', text: 'pong' }, model: 'test' } });
    expect(answer.status).toBe(202);
    expect(textOf((await asking.next((m) => m.id === 30)).result)).toBe('sampled: pong');

    // The GET stream, opened through one instance, carries what the child sends outside any request.
    const get = await fetch(balancer.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' }, signal: AbortSignal.timeout(20_000) });
    expect(get.status).toBe(200);
    const standalone = new SseReader(get);
    await new Promise((r) => setTimeout(r, 200)); // the GET stream is registered at the owner before the log is sent
    expect(await tool(balancer.url, sid, 40, 'log', { message: 'via-get' })).toBe('logged');
    const logged = await standalone.next((m) => m.method === 'notifications/message');
    expect((logged.params as { data: string }).data).toBe('via-get');
    await standalone.cancel();

    // Every request that reached another instance than the owner was forwarded exactly once.
    const expected = balancer.served.filter((i) => i !== owner).length;
    expect(expected).toBeGreaterThan(4);
    const counts = await Promise.all(instances.map(forwardedCount));
    expect(counts[owner]).toBe(0);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(expected);

    // DELETE through a non-owner ends the session everywhere.
    const del = await fetch(balancer.url, { method: 'DELETE', headers: sessionHeaders(sid), signal: AbortSignal.timeout(10_000) });
    expect(del.status).toBe(200);
    expect(await waitFor(async () => (await redisGet(redis.url, `mcp-proxy:s:${sid}`)) === null, 5_000)).toBe(true);
    expect((await send(balancer.url, sid, { jsonrpc: '2.0', id: 50, method: 'ping' })).status).toBe(404);
  }, 90_000);

  it('keeps a 2026-07-28 principal on one child whichever instance a request reaches', async () => {
    const { redis, instances, balancer } = await cluster();
    const pids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await modernPost(balancer.url, modernRequest('tools/call', { name: 'pid', arguments: {} }));
      expect(res.status).toBe(200);
      pids.push(textOf((await final(res)).result));
    }
    expect(new Set(pids).size).toBe(1);
    expect(new Set(balancer.served).size).toBe(3);
    const holder = await redisGet(redis.url, 'mcp-proxy:p:anonymous');
    expect(instances.map((p) => p.url)).toContain(holder);
  }, 90_000);

  it('an instance killed mid-run: its sessions answer 503 with Retry-After until its heartbeat lapses, then 404 (within 10 s); new sessions go on', async () => {
    const { redis, instances, balancer } = await cluster();
    const sid = await open(balancer.url);
    const owner = await ownerOf(redis, instances, sid);
    const child = Number(await tool(balancer.url, sid, 1, 'pid'));
    const other = instances[(owner + 1) % 3]!;
    instances[owner]!.proc.kill('SIGKILL');
    await instances[owner]!.exited;
    const killedAt = Date.now();
    const statuses: number[] = [];
    for (;;) {
      const res = await send(other.url, sid, { jsonrpc: '2.0', id: 2, method: 'ping' });
      await res.text();
      statuses.push(res.status);
      if (res.status === 503) expect(res.headers.get('retry-after')).toBe('1');
      if (res.status !== 503 || Date.now() - killedAt > 15_000) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(statuses[0]).toBe(503); // never 404 while the owner may still be alive
    expect(statuses.at(-1)).toBe(404);
    expect(new Set(statuses)).toEqual(new Set([503, 404]));
    expect(Date.now() - killedAt).toBeLessThan(10_000 + 2_000);
    // The killed instance's child ends with it (its stdin closes): no orphan.
    expect(await waitFor(() => !alive(child), 10_000)).toBe(true);
    // The client re-initializes and carries on, on the instances that are left.
    const again = await open(balancer.url);
    expect(await tool(balancer.url, again, 3, 'echo', { message: 'back' })).toBe('echo: back');
  }, 90_000);

  it('a draining instance (SIGTERM) takes no new session but serves its own, forwarded requests included, then exits', async () => {
    const { redis, instances, balancer } = await cluster(3, ['--drain-timeout', '30']);
    const sid = await open(balancer.url);
    const owner = await ownerOf(redis, instances, sid);
    const draining = instances[owner]!;
    const pid = await tool(balancer.url, sid, 1, 'pid');
    draining.proc.kill('SIGTERM');
    expect(await waitFor(async () => (await health(draining, '/readyz')).status === 503, 10_000)).toBe(true);
    expect((await post(draining.url, INIT)).status).toBe(503);
    const before = balancer.served.length;
    for (let i = 0; i < 3; i++) expect(await tool(balancer.url, sid, 10 + i, 'pid')).toBe(pid);
    expect(balancer.served.slice(before).some((i) => i !== owner)).toBe(true);
    expect(draining.proc.exitCode).toBeNull();
    const del = await fetch(balancer.url, { method: 'DELETE', headers: sessionHeaders(sid), signal: AbortSignal.timeout(10_000) });
    expect(del.status).toBe(200);
    expect(await draining.exited).toBe(0);
    expect(alive(Number(pid))).toBe(false);
  }, 90_000);

  it('Redis stopped mid-run: /healthz degraded, /readyz ready, new sessions 503, owners keep serving, others 503 (not 404); back when Redis is', async () => {
    const { redis, instances, balancer } = await cluster();
    const sid = await open(balancer.url);
    const owner = await ownerOf(redis, instances, sid);
    const pid = await tool(instances[owner]!.url, sid, 1, 'pid');
    await redis.stop();
    for (const p of instances) expect(await waitFor(async () => (await health(p)).body.status === 'degraded', 10_000)).toBe(true);
    expect((await health(instances[0]!)).body.redis).toBe('unreachable');
    for (const p of instances) expect((await health(p, '/readyz')).status).toBe(200);
    expect(await waitFor(() => instances.every((p) => p.stderr().includes('redis unreachable: new sessions are refused')), 5_000)).toBe(true);

    const refused = await post(balancer.url, INIT);
    expect(refused.status).toBe(503);
    expect(await refused.text()).toContain('Redis');
    expect(await tool(instances[owner]!.url, sid, 2, 'pid')).toBe(pid);
    const elsewhere = await send(instances[(owner + 1) % 3]!.url, sid, { jsonrpc: '2.0', id: 3, method: 'ping' });
    expect(elsewhere.status).toBe(503);
    expect(elsewhere.headers.get('retry-after')).toBe('1');

    await redis.restart();
    for (const p of instances) expect(await waitFor(async () => (await health(p)).body.status === 'ok', 15_000)).toBe(true);
    // The owner put its session back in the (empty) restarted Redis: another instance reaches it again.
    expect(await waitFor(async () => (await send(instances[(owner + 1) % 3]!.url, sid, { jsonrpc: '2.0', id: 5, method: 'ping' })).status === 200, 10_000)).toBe(true);
    expect(await tool(instances[(owner + 2) % 3]!.url, sid, 6, 'pid')).toBe(pid);
    const fresh = await open(balancer.url);
    expect(await tool(balancer.url, fresh, 4, 'echo', { message: 'again' })).toBe('echo: again');
  }, 90_000);

  it('the owner checks the cluster secret: a wrong one is refused 403, a right one is served and never forwarded again', async () => {
    const { redis, instances } = await cluster(2);
    const sid = await open(instances[0]!.url);
    const secret = (await redisGet(redis.url, 'mcp-proxy:cluster-secret'))!;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const wrong = await fetch(instances[0]!.url, { method: 'POST', headers: { ...sessionHeaders(sid), 'x-mcp-proxy-cluster-secret': 'guess' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), signal: AbortSignal.timeout(10_000) });
    expect(wrong.status).toBe(403);
    // A hop that arrives at a non-owner is answered there (404), not sent on: no loops.
    const hop = await fetch(instances[1]!.url, { method: 'POST', headers: { ...sessionHeaders(sid), 'x-mcp-proxy-cluster-secret': secret }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }), signal: AbortSignal.timeout(10_000) });
    expect(hop.status).toBe(404);
    // Without the header, the same request is forwarded to the owner.
    const client = await send(instances[1]!.url, sid, { jsonrpc: '2.0', id: 3, method: 'ping' });
    expect(client.status).toBe(200);
    expect(client.headers.get('x-mcp-proxy-cluster-secret')).toBeNull();
    expect(await client.text()).not.toContain(secret);
  }, 60_000);

  it('refuses to start when Redis cannot be reached, with one clear line (exit 1)', async () => {
    const port = await freePort();
    const run = await runBinary(['--port', '0', '--start-check', '0', '--redis-url', `redis://user:pw-not-logged@127.0.0.1:${port}`, '--', process.execPath, FIXTURE], { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json' }) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach Redis at redis://user:***@127.0.0.1:${port}`);
    expect(run.stderr).not.toContain('pw-not-logged');
  }, 30_000);
});
