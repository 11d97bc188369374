import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { redisGet, startInstances } from '../../helpers/cluster-run.js';
import { textOf } from '../../helpers/proxy-harness.js';
import { killProxyBinaries, type ProxyBinary } from '../../helpers/proxy-binary.js';
import { final, post as modernPost, request as modernRequest } from '../../helpers/modern-wire.js';
import { killRedisServers, startRedis, type RedisServer } from '../../helpers/redis-server.js';
import { startBalancer, type Balancer } from '../../helpers/round-robin-balancer.js';
import { principalKey } from '../../../src/proxy/cluster/directory.js';
import { principalChildKey } from '../../../src/proxy/identity/child-key.js';

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
