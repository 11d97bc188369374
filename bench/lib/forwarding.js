// The cost of a request forwarded between two mcp-proxy instances sharing one redis-server, against the
// same request sent to the instance that owns the session. One request in flight; rounds alternate
// direct and forwarded so drift hits both. CPU is every process involved (both instances' trees, so the
// child too, and redis-server), per request. Skipped (undefined) when redis-server is not installed.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createHttpClient, openHttpSession, HttpSession } from './mcp-http.js';
import { cpuSecondsBetween, cpuSnapshot } from './proc-tree.js';
import { startForwardFloor, startProxy } from './servers.js';
import { summarize } from './stats.js';

/** @returns {Promise<number>} */
const freePort = () => new Promise((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
    srv.close(() => resolve(port));
  });
});

/**
 * A redis-server of its own on a free loopback port, without persistence.
 * @returns {Promise<{ pid: number, port: number, stop: () => void }>}
 */
async function startRedis() {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000);
    redis.stdout.on('data', (c) => {
      out += c;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
    redis.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code})`));
    });
  });
  return { pid: /** @type {number} */ (redis.pid), port, stop: () => redis.kill('SIGTERM') };
}

/**
 * @param {{ root: string, proxyRoot?: string, perRound: number, rounds: number, log: (msg: string) => void }} opts
 * @returns {Promise<Record<string, any> | undefined>}
 */
export async function measureForwarding(opts) {
  if (spawnSync('redis-server', ['--version'], { timeout: 10_000 }).status !== 0) {
    opts.log('forwarding: skipped, redis-server is not installed (apt-get install -y redis-server)');
    return undefined;
  }
  const redis = await startRedis();
  const args = ['--start-check', '0', '--redis-url', `redis://127.0.0.1:${redis.port}`];
  /** @type {import('./servers.js').RunningServer[]} */
  const servers = [];
  /** @type {number[]} */
  let orphans = [];
  /** @type {Record<string, any> | undefined} */
  let result;
  try {
    servers.push(...(await Promise.all([startProxy({ ...opts, args }), startProxy({ ...opts, args })])));
    const [owner, other] = servers;
    // The reference: the least HTTP forwarder on node, in front of the owner.
    const floor = await startForwardFloor({ root: opts.root, upstream: owner.url });
    servers.push(floor);
    const toOwner = createHttpClient(owner.url, 1);
    const toOther = createHttpClient(other.url, 1);
    const toFloor = createHttpClient(floor.url, 1);
    const { session } = await openHttpSession(toOwner);
    const paths = /** @type {const} */ ([['direct', session], ['forwarded', new HttpSession(toOther, session.id)], ['floor', new HttpSession(toFloor, session.id)]]);
    const roots = [owner.pid, other.pid, redis.pid, floor.pid];
    /** @type {Record<string, { lat: number[], cpu: number, parts: number[] }>} */
    const acc = { direct: { lat: [], cpu: 0, parts: [0, 0, 0, 0] }, forwarded: { lat: [], cpu: 0, parts: [0, 0, 0, 0] }, floor: { lat: [], cpu: 0, parts: [0, 0, 0, 0] } };
    for (const [, s] of paths) for (let i = 0; i < 300; i++) await s.callEcho('warm');
    for (let round = 0; round < opts.rounds; round++) {
      for (const [name, s] of round % 2 === 0 ? paths : [...paths].reverse()) {
        const before = roots.map((r) => cpuSnapshot([r]));
        for (let i = 0; i < opts.perRound; i++) {
          const t0 = performance.now();
          await s.callEcho('x');
          acc[name].lat.push(performance.now() - t0);
        }
        const after = roots.map((r) => cpuSnapshot([r]));
        roots.forEach((_, i) => {
          const c = cpuSecondsBetween(before[i], after[i]);
          acc[name].parts[i] += c;
          acc[name].cpu += c;
        });
      }
    }
    await session.close();
    await Promise.all([toOwner.close(), toOther.close(), toFloor.close()]);
    const n = opts.perRound * opts.rounds;
    const row = (/** @type {string} */ name) => ({
      requests: n,
      latencyMs: summarize(acc[name].lat),
      cpuUsPerReq: (acc[name].cpu / n) * 1e6,
      /** Owner tree (proxy + child), the other instance's tree, redis-server, the forwarding floor. */
      partsUsPerReq: acc[name].parts.map((c) => (c / n) * 1e6),
    });
    const direct = row('direct');
    const forwarded = row('forwarded');
    const floorRow = row('floor');
    result = {
      direct, forwarded, floor: floorRow,
      cpuRatio: forwarded.cpuUsPerReq / direct.cpuUsPerReq, addedP50Ms: forwarded.latencyMs.p50 - direct.latencyMs.p50,
      floorCpuRatio: floorRow.cpuUsPerReq / direct.cpuUsPerReq, floorAddedP50Ms: floorRow.latencyMs.p50 - direct.latencyMs.p50,
    };
    opts.log(`forwarding: ${result.cpuRatio.toFixed(2)}× the CPU, +${result.addedP50Ms.toFixed(3)} ms at p50 (forwarding floor ${result.floorCpuRatio.toFixed(2)}×)`);
  } finally {
    orphans = (await Promise.all(servers.map((s) => s.stop()))).flatMap((r) => r.orphans);
    redis.stop();
  }
  if (orphans.length > 0) throw new Error(`forwarding: ${orphans.length} process(es) left after stopping the proxies: ${orphans.join(', ')}`);
  return result;
}
