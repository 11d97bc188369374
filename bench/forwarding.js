#!/usr/bin/env node
// `node bench/forwarding.js` (after `npm run build`): the cost of a request forwarded between two mcp-proxy
// instances sharing one redis-server, against the same request sent to the instance that owns the session.
// One request in flight; rounds alternate direct and forwarded so drift hits both. CPU is every process
// involved (both instances' trees, so the child too, and redis-server), per request. Needs redis-server.
// Flags: --quick (fewer requests).
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createHttpClient, openHttpSession, HttpSession } from './lib/mcp-http.js';
import { cpuSecondsBetween, cpuSnapshot } from './lib/proc-tree.js';
import { startNodeServer } from './lib/servers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const PER_ROUND = quick ? 500 : 2000;
const ROUNDS = quick ? 2 : 4;

if (spawnSync('redis-server', ['--version'], { timeout: 10_000 }).status !== 0) {
  process.stderr.write('bench/forwarding.js needs redis-server (apt-get install -y redis-server)\n');
  process.exit(1);
}

const freePort = () => new Promise((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
    srv.close(() => resolve(port));
  });
});

const redisPort = await freePort();
const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  let out = '';
  const timer = setTimeout(() => reject(new Error('redis-server did not start')), 10_000);
  redis.stdout.on('data', (c) => {
    out += c;
    if (out.includes('Ready to accept connections')) {
      clearTimeout(timer);
      resolve(undefined);
    }
  });
});

const start = () => startNodeServer([`${root}bin/mcp-proxy.js`, '--port', '0', '--start-check', '0', '--kill-grace', '2', '--log-format', 'json', '--redis-url', `redis://127.0.0.1:${redisPort}`, '--', process.execPath, `${root}bench/echo-server.mjs`], 'stderr', (line) => {
  try {
    const entry = JSON.parse(line);
    return entry.msg === 'listening' ? entry.url : undefined;
  } catch {
    return undefined;
  }
}, root);

const [owner, other] = await Promise.all([start(), start()]);
try {
  const toOwner = createHttpClient(owner.url, 1);
  const toOther = createHttpClient(other.url, 1);
  const { session } = await openHttpSession(toOwner);
  const direct = session;
  const forwarded = new HttpSession(toOther, session.id);
  const roots = [owner.pid, other.pid, /** @type {number} */ (redis.pid)];
  /** @type {{ direct: number[], forwarded: number[] }} */
  const lat = { direct: [], forwarded: [] };
  const cpu = { direct: 0, forwarded: 0 };
  /** CPU seconds by part, for the breakdown line. */
  const parts = { direct: [0, 0, 0], forwarded: [0, 0, 0] };
  for (const s of [direct, forwarded]) for (let i = 0; i < 200; i++) await s.callEcho('warm');
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, s] of /** @type {const} */ ([['direct', direct], ['forwarded', forwarded]])) {
      const before = cpuSnapshot(roots);
      const beforeParts = roots.map((r) => cpuSnapshot([r]));
      for (let i = 0; i < PER_ROUND; i++) {
        const t0 = performance.now();
        await s.callEcho('x');
        lat[name].push(performance.now() - t0);
      }
      cpu[name] += cpuSecondsBetween(before, cpuSnapshot(roots));
      roots.forEach((r, i) => (parts[name][i] += cpuSecondsBetween(beforeParts[i], cpuSnapshot([r]))));
    }
  }
  const p50 = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const n = PER_ROUND * ROUNDS;
  const rows = {
    direct: { p50Ms: p50(lat.direct), cpuUsPerRequest: (cpu.direct / n) * 1e6 },
    forwarded: { p50Ms: p50(lat.forwarded), cpuUsPerRequest: (cpu.forwarded / n) * 1e6 },
  };
  const cpuRatio = rows.forwarded.cpuUsPerRequest / rows.direct.cpuUsPerRequest;
  const addedMs = rows.forwarded.p50Ms - rows.direct.p50Ms;
  process.stdout.write([
    `| request (1 in flight, ${n} each) | p50 ms | CPU µs/request (both instances + children + redis) |`,
    '|---|---|---|',
    `| to the owner | ${rows.direct.p50Ms.toFixed(3)} | ${rows.direct.cpuUsPerRequest.toFixed(0)} |`,
    `| forwarded by another instance | ${rows.forwarded.p50Ms.toFixed(3)} | ${rows.forwarded.cpuUsPerRequest.toFixed(0)} |`,
    '',
    `CPU µs/request by part (owner tree, other instance tree, redis): direct ${parts.direct.map((c) => ((c / n) * 1e6).toFixed(0)).join(' / ')}, forwarded ${parts.forwarded.map((c) => ((c / n) * 1e6).toFixed(0)).join(' / ')}`,
    `forwarding: ${cpuRatio.toFixed(2)}× the CPU (target ≤ 1.5×), +${addedMs.toFixed(3)} ms at p50 (target ≤ 1 ms)`,
    '',
  ].join('\n'));
  await session.close();
  await toOwner.close();
  await toOther.close();
} finally {
  await Promise.all([owner.stop(), other.stop()]);
  redis.kill('SIGTERM');
}
