import { afterAll, afterEach } from 'vitest';
import { startInstances } from './cluster-run.js';
import { killProxyBinaries, type ProxyBinary } from './proxy-binary.js';
import { killRedisServers, startRedis, type RedisServer } from './redis-server.js';
import { startBalancer, type Balancer } from './round-robin-balancer.js';

export interface RunningCluster {
  redis: RedisServer;
  instances: ProxyBinary[];
  /** Round robin over the instances, no stickiness. */
  balancer: Balancer;
  /** The balancer's origin, for paths other than /mcp (the legacy SSE paths). */
  base: string;
}

/**
 * For a scale-out test file: `cluster(n, extra)` starts a redis-server of its own, n binaries on it and the
 * balancer in front; what it started is stopped after each test, and every binary and redis-server at the end.
 */
export function clusterHarness(): (n?: number, extra?: string[]) => Promise<RunningCluster> {
  const started: { redis?: RedisServer; instances: ProxyBinary[]; balancer?: Balancer } = { instances: [] };
  afterEach(async () => {
    await started.balancer?.close();
    await Promise.all(started.instances.map((p) => p.stop()));
    await started.redis?.stop();
    started.instances = [];
    delete started.balancer;
    delete started.redis;
  });
  afterAll(() => {
    killProxyBinaries();
    killRedisServers();
  });
  return async (n = 3, extra = []) => {
    const redis = await startRedis();
    started.redis = redis;
    const instances = await startInstances(n, redis.url, extra);
    started.instances = instances;
    const balancer = await startBalancer(instances.map((p) => p.url));
    started.balancer = balancer;
    return { redis, instances, balancer, base: balancer.url.replace(/\/mcp$/, '') };
  };
}
