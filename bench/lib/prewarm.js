// Session creation with `--prewarm` against a `ping` round trip on an already open session (#13): one
// proxy with a pool, sessions arriving about once a second (so the pool has refilled), each creation
// (initialize answered + notifications/initialized accepted) paired with a few pings just before it.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { createHttpClient, INITIALIZE, openHttpSession } from './mcp-http.js';
import { readFileSync } from 'node:fs';
import { startProxy } from './servers.js';
import { median, summarize } from './stats.js';

/**
 * CPU time of a process's main thread (where the proxy's JavaScript runs), in ns: /proc/<pid>/schedstat,
 * which unlike the ticks of /proc/<pid>/stat resolves a few ms.
 * @param {number} pid
 */
const mainThreadNs = (pid) => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);

/**
 * The child's own share: an echo server spawned directly and left waiting as long as a prewarmed one,
 * then sent the same `initialize` on its stdin; resolves the ms until its answer. With `warmUp`, it is
 * first sent a `ping` at once (as the proxy's pool does), whose answer is awaited before the wait ends;
 * without it, its first request runs all the cold code of its transport and schemas.
 * @param {string} root
 * @param {number} waitMs
 * @param {boolean} warmUp
 */
async function stdioPrewarmedInitialize(root, waitMs, warmUp) {
  const child = spawn(process.execPath, [`${root}bench/echo-server.mjs`], { stdio: ['pipe', 'pipe', 'ignore'] });
  try {
    const exited = new Promise((_, reject) => child.once('exit', () => reject(new Error('the echo server exited before answering'))));
    exited.catch(() => {});
    const nextLine = () => Promise.race([new Promise((resolve) => child.stdout.once('data', resolve)), exited]);
    if (warmUp) {
      const pong = nextLine();
      child.stdin.write('{"jsonrpc":"2.0","id":"warm-up","method":"ping"}\n');
      await pong;
    }
    await sleep(waitMs);
    const answered = nextLine();
    const t0 = performance.now();
    child.stdin.write(`${INITIALIZE}\n`);
    await answered;
    return performance.now() - t0;
  } finally {
    child.kill('SIGKILL');
  }
}

/**
 * @param {{ root: string, proxyRoot?: string, sessions: number, intervalMs: number, log: (msg: string) => void }} opts
 */
export async function measurePrewarm(opts) {
  const server = await startProxy({ ...opts, args: ['--prewarm', '2'] });
  const client = createHttpClient(server.url, 4);
  /** @type {number[]} */
  const ready = [];
  /** @type {number[]} */
  const ping = [];
  /** @type {number[]} */
  const delta = [];
  /** @type {number[]} */
  const childInit = [];
  /** @type {number[]} */
  const childInitWarm = [];
  let serverNs = 0;
  /** @type {number[]} */
  let orphans = [];
  try {
    const { session: open } = await openHttpSession(client);
    // Warm-up: the code paths of creation and ping compiled, the pool refilled.
    for (let i = 0; i < 2; i++) {
      await (await openHttpSession(client)).session.close();
      for (let k = 0; k < 50; k++) await open.ping();
      await sleep(opts.intervalMs);
    }
    for (let i = 0; i < opts.sessions; i++) {
      const pings = [];
      for (let k = 0; k < 5; k++) {
        const t0 = performance.now();
        await open.ping();
        pings.push(performance.now() - t0);
      }
      const before = mainThreadNs(server.pid);
      const created = await openHttpSession(client);
      serverNs += mainThreadNs(server.pid) - before;
      const p = median(pings);
      ping.push(p);
      ready.push(created.readyMs);
      delta.push(created.readyMs - p);
      await created.session.close();
      await sleep(opts.intervalMs);
    }
    await open.close();
    for (let i = 0; i < Math.min(5, opts.sessions); i++) {
      childInit.push(await stdioPrewarmedInitialize(opts.root, opts.intervalMs, false));
      childInitWarm.push(await stdioPrewarmedInitialize(opts.root, opts.intervalMs, true));
    }
  } finally {
    await client.close();
    orphans = (await server.stop()).orphans;
  }
  if (orphans.length > 0) throw new Error(`prewarm: ${orphans.length} process(es) left after stopping the proxy: ${orphans.join(', ')}`);
  const result = {
    sessions: opts.sessions,
    intervalMs: opts.intervalMs,
    ready: summarize(ready),
    ping: summarize(ping),
    /** Median of (creation − median ping just before it). */
    overPingMs: median(delta),
    /** The echo server's own first `initialize` after waiting, over stdio (no proxy). */
    childInitialize: summarize(childInit),
    /** The same after one warm-up ping, as the pool sends: what is left of the child's share. */
    childInitializeWarm: summarize(childInitWarm),
    /** The proxy's main-thread CPU per creation (initialize + initialized), the session's DELETE excluded. */
    serverCpuMsPerSession: serverNs / opts.sessions / 1e6,
    readyMsSamples: ready,
    pingMsSamples: ping,
  };
  opts.log(`prewarm: creation ${result.ready.p50.toFixed(2)} ms p50, ping ${result.ping.p50.toFixed(2)} ms, +${result.overPingMs.toFixed(2)} ms`);
  return result;
}
