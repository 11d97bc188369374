import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { redisGet, sessionHeaders, startInstances } from '../../helpers/cluster-run.js';
import { INIT, messagesOf, post } from '../../helpers/raw-http.js';
import { textOf } from '../../helpers/proxy-harness.js';
import { killProxyBinaries, type ProxyBinary } from '../../helpers/proxy-binary.js';
import { final, post as modernPost, request as modernRequest } from '../../helpers/modern-wire.js';
import { killRedisServers, startRedis, type RedisServer } from '../../helpers/redis-server.js';
import { startBalancer, type Balancer } from '../../helpers/round-robin-balancer.js';
import { principalKey } from '../../../src/proxy/cluster/directory.js';
import { principalChildKey, sharedSessionsKey } from '../../../src/proxy/identity/child-key.js';

/**
 * --header-to-env with --redis-url: the directory keys a 2026-07-28 principal's child by the same key the
 * instances use (principal + header values), so each tenant keeps one child across instances and two
 * tenants never share one.
 */

let redis: RedisServer | undefined;
let instances: ProxyBinary[] = [];
let balancer: Balancer | undefined;
afterEach(async () => {
  await balancer?.close();
  await Promise.all(instances.map((p) => p.stop()));
  await redis?.stop();
  instances = [];
  balancer = undefined;
  redis = undefined;
});
afterAll(() => {
  killProxyBinaries();
  killRedisServers();
});

describe('mcp-proxy --redis-url with --header-to-env', () => {
  it('one child per principal and header value, whichever instance a request reaches', async () => {
    redis = await startRedis();
    instances = await startInstances(3, redis.url, ['--header-to-env', 'X-Tenant=TENANT']);
    balancer = await startBalancer(instances.map((p) => p.url));
    const call = async (tenant: string, name: string, args: Record<string, unknown> = {}): Promise<string> => {
      const res = await modernPost(balancer!.url, modernRequest('tools/call', { name, arguments: args }), { 'x-tenant': tenant });
      expect(res.status).toBe(200);
      return textOf((await final(res)).result);
    };
    const pids: Record<string, string[]> = { acme: [], globex: [] };
    for (let i = 0; i < 3; i++) {
      pids.acme!.push(await call('acme', 'pid'));
      pids.globex!.push(await call('globex', 'pid'));
    }
    expect(new Set(pids.acme).size).toBe(1);
    expect(new Set(pids.globex).size).toBe(1);
    expect(pids.acme![0]).not.toBe(pids.globex![0]);
    expect(await call('acme', 'env', { name: 'TENANT' })).toBe('acme');
    expect(await call('globex', 'env', { name: 'TENANT' })).toBe('globex');
    const urls = instances.map((p) => p.url);
    expect(urls).toContain(await redisGet(redis.url, `mcp-proxy:p:${principalKey(principalChildKey(undefined, { TENANT: 'acme' }))}`));
    expect(urls).toContain(await redisGet(redis.url, `mcp-proxy:p:${principalKey(principalChildKey(undefined, { TENANT: 'globex' }))}`));
    expect(await redisGet(redis.url, 'mcp-proxy:p:anonymous')).toBeNull();
  }, 90_000);
});

/** A 2025 session opened through the balancer (initialize + initialized), with request headers. */
async function openSession(url: string, headers: Record<string, string>): Promise<string> {
  const res = await post(url, INIT, headers);
  expect(res.status).toBe(200);
  const sid = res.headers.get('mcp-session-id')!;
  await res.text();
  const ack = await fetch(url, { method: 'POST', headers: { ...sessionHeaders(sid), ...headers }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), signal: AbortSignal.timeout(10_000) });
  expect(ack.status).toBe(202);
  return sid;
}

async function sessionTool(url: string, sid: string, id: number, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: sessionHeaders(sid), body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }), signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  return textOf((await messagesOf(res)).find((m) => m.id === id)?.result);
}

describe('mcp-proxy --redis-url with --isolation principal', () => {
  it('a principal\'s 2025 sessions meet on the instance of their shared child, whichever instance each initialize reaches', async () => {
    redis = await startRedis();
    instances = await startInstances(3, redis.url, ['--isolation', 'principal', '--header-to-env', 'X-Tenant=TENANT']);
    balancer = await startBalancer(instances.map((p) => p.url));
    const acme = [await openSession(balancer.url, { 'x-tenant': 'acme' }), await openSession(balancer.url, { 'x-tenant': 'acme' }), await openSession(balancer.url, { 'x-tenant': 'acme' })];
    const globex = await openSession(balancer.url, { 'x-tenant': 'globex' });
    let id = 10;
    const acmePids = new Set<string>();
    for (const sid of acme) for (let i = 0; i < 2; i++) acmePids.add(await sessionTool(balancer.url, sid, id++, 'pid'));
    expect(acmePids.size).toBe(1);
    expect(await sessionTool(balancer.url, globex, id++, 'pid')).not.toBe([...acmePids][0]);
    expect(await sessionTool(balancer.url, acme[2]!, id++, 'env', { name: 'TENANT' })).toBe('acme');
    expect(await sessionTool(balancer.url, globex, id++, 'env', { name: 'TENANT' })).toBe('globex');
    // The holder is recorded under the 2025-sessions key space, apart from any 2026-07-28 principal.
    const key = principalKey(sharedSessionsKey(principalChildKey(undefined, { TENANT: 'acme' })));
    expect(instances.map((p) => p.url)).toContain(await redisGet(redis.url, `mcp-proxy:p:${key}`));
    expect(await redisGet(redis.url, `mcp-proxy:p:${principalKey(principalChildKey(undefined, { TENANT: 'acme' }))}`)).toBeNull();
  }, 90_000);
});
