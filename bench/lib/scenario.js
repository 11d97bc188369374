// Measures the systems under test (the proxy, the SDK floor, direct stdio) side by side, interleaved so
// that the machine's background noise falls on all of them alike: warm-up, idle memory at 0 sessions,
// session creation round-robin, idle memory with N sessions, then the load settings in rounds that
// alternate the order of the targets (ABC, CBA, …).
import { setTimeout as sleep } from 'node:timers/promises';
import { runLoad } from './load.js';
import { CLK_TCK, contextSwitches, cpuSecondsBetween, cpuSnapshot, processTree, readStat, rssBytes } from './proc-tree.js';
import { median, slope, summarize } from './stats.js';

/**
 * @typedef {{ callEcho(message: string): Promise<void>, close(): Promise<void> }} BenchSession
 * @typedef {{ read(): Promise<{ rssBytes: number, heapBytes: number }>, done(): void }} MemoryProbe
 * @typedef {{
 *   key: string,
 *   name: string,
 *   open(): Promise<{ session: BenchSession, initMs: number, readyMs: number }>,
 *   cpuRoots(sessions: BenchSession[]): number[],
 *   serverPid?: number,
 *   hasChildren?: boolean,
 *   memory?: () => Promise<MemoryProbe>,
 * }} Target
 * @typedef {{ sessions: number, inflight: number }} Setting
 * @typedef {{ warmupMs: number, firstWarmupMs: number, windowMs: number, rounds: number, maxRequests: number, idleSessions: number, settleMs: number, memoryEvery: number }} Plan
 */

/** @param {Setting} s */
export const settingName = (s) => `${s.sessions}x${s.inflight}`;

/**
 * Waits (up to 5 s) until the process has no descendants, e.g. after the warm-up sessions are deleted.
 * @param {number} pid
 */
async function waitChildless(pid) {
  const deadline = Date.now() + 5_000;
  while (processTree(pid).length > 1 && Date.now() < deadline) await sleep(50);
}

/**
 * CPU ticks of the server process alone (0 for targets without one).
 * @param {Target} target
 */
function serverTicks(target) {
  return target.serverPid !== undefined ? (readStat(target.serverPid)?.ticks ?? 0) : 0;
}

/**
 * A couple of sessions and calls so code paths are compiled before anything is measured.
 * @param {Target} target
 */
async function warmUp(target) {
  const warm = [await target.open(), await target.open()].map((o) => o.session);
  for (let i = 0; i < 200; i += 1) await Promise.all(warm.map((s) => s.callEcho('warm')));
  await Promise.all(warm.map((s) => s.close()));
  if (target.serverPid !== undefined && target.hasChildren) await waitChildless(target.serverPid);
}

/**
 * One measured window of one setting on one target, as raw sums (rounds are added up).
 * @param {Target} target
 * @param {BenchSession[]} sessions
 * @param {Setting} setting
 * @param {Plan} plan
 */
async function loadWindow(target, sessions, setting, plan) {
  const subset = sessions.slice(0, setting.sessions);
  // Every open session's processes count, busy or idle, for every system alike: the proxy's tree holds
  // all its children, so the stdio floor counts all of its children too.
  const roots = target.cpuRoots(sessions);
  const self0 = process.cpuUsage();
  const server = { user: 0, system: 0, involuntary: 0, voluntary: 0 };
  const result = await runLoad(subset, setting.inflight, plan, {
    snapshot: () => cpuSnapshot(roots),
    secondsBetween: (a, b) => cpuSecondsBetween(/** @type {Map<number, number>} */ (a), /** @type {Map<number, number>} */ (b)),
    onWindow: (edge) => {
      if (target.serverPid === undefined) return;
      const stat = readStat(target.serverPid);
      const switches = contextSwitches(target.serverPid);
      const sign = edge === 'start' ? -1 : 1;
      server.user += sign * (stat?.user ?? 0);
      server.system += sign * (stat?.system ?? 0);
      server.involuntary += sign * switches.involuntary;
      server.voluntary += sign * switches.voluntary;
    },
  });
  const self = process.cpuUsage(self0);
  return { ...result, server, loadGenUs: self.user + self.system };
}

/**
 * Adds up the rounds of one setting on one target and derives the reported figures.
 * @param {Awaited<ReturnType<typeof loadWindow>>[]} windows
 * @param {boolean} hasServer
 */
function combine(windows, hasServer) {
  const sum = (/** @type {(w: Awaited<ReturnType<typeof loadWindow>>) => number} */ pick) => windows.reduce((a, w) => a + pick(w), 0);
  const requests = sum((w) => w.requests);
  const seconds = sum((w) => w.seconds);
  const cpuSeconds = sum((w) => w.cpuSeconds);
  const lat = summarize(windows.flatMap((w) => w.latencies));
  const firstError = windows.find((w) => w.firstError)?.firstError;
  return {
    requests,
    errors: sum((w) => w.errors),
    ...(firstError ? { firstError } : {}),
    seconds,
    reqPerS: requests / seconds,
    reqPerSByRound: windows.map((w) => w.requests / w.seconds),
    latencyMs: { p50: lat.p50, p95: lat.p95, p99: lat.p99, mean: lat.mean, max: lat.max },
    cpuSeconds,
    cpuUsPerReq: (cpuSeconds / requests) * 1e6,
    cpuCores: cpuSeconds / seconds,
    ...(hasServer ? {
      serverProcess: {
        userUsPerReq: (sum((w) => w.server.user) / CLK_TCK / requests) * 1e6,
        systemUsPerReq: (sum((w) => w.server.system) / CLK_TCK / requests) * 1e6,
        involuntarySwitchesPerReq: sum((w) => w.server.involuntary) / requests,
        voluntarySwitchesPerReq: sum((w) => w.server.voluntary) / requests,
      },
    } : {}),
    /** The load generator's own CPU (this process) over warm-ups and windows, per measured request. */
    loadGenCpuUsPerReq: sum((w) => w.loadGenUs) / Math.max(1, requests),
  };
}

/**
 * @param {Target[]} targets
 * @param {Setting[]} settings
 * @param {Plan} plan
 * @param {(msg: string) => void} log
 * @returns {Promise<Record<string, any>>}
 */
export async function measureTargets(targets, settings, plan, log) {
  for (const target of targets) await warmUp(target);
  await sleep(plan.settleMs);
  /** @type {Map<Target, { probe: MemoryProbe, points: { sessions: number, rssBytes: number, heapBytes: number }[] }>} */
  const memory = new Map();
  for (const t of targets) if (t.memory) memory.set(t, { probe: await t.memory(), points: [] });
  // Session creation: one at a time, round-robin over the targets.
  const count = Math.max(plan.idleSessions, ...settings.map((s) => s.sessions));
  const state = targets.map((target) => ({ target, sessions: /** @type {BenchSession[]} */ ([]), initMs: /** @type {number[]} */ ([]), readyMs: /** @type {number[]} */ ([]), cpu0: cpuSnapshot(target.cpuRoots([])), server0: serverTicks(target), excludedCpu: 0, excludedServerTicks: 0 }));
  /**
   * Memory of every probed target with `sessions` open. The CPU the forced GCs cost is taken out of the
   * creation phase's CPU.
   * @param {number} sessions
   */
  const checkpoint = async (sessions) => {
    const before = state.map((s) => ({ tree: cpuSnapshot(s.target.cpuRoots(s.sessions)), server: serverTicks(s.target) }));
    for (const m of memory.values()) m.points.push({ sessions, ...(await m.probe.read()) });
    state.forEach((s, i) => {
      s.excludedCpu += cpuSecondsBetween(before[i].tree, cpuSnapshot(s.target.cpuRoots(s.sessions)));
      s.excludedServerTicks += serverTicks(s.target) - before[i].server;
    });
  };
  for (let i = 0; i < count; i += 1) {
    if (i % plan.memoryEvery === 0) await checkpoint(i);
    for (const s of state) {
      const opened = await s.target.open();
      s.sessions.push(opened.session);
      s.initMs.push(opened.initMs);
      s.readyMs.push(opened.readyMs);
    }
  }
  /** @type {Record<string, any>} */
  const out = {};
  for (const s of state) {
    // Processes created in the phase (children) are counted from zero.
    const cpu = cpuSecondsBetween(s.cpu0, cpuSnapshot(s.target.cpuRoots(s.sessions))) - s.excludedCpu;
    out[s.target.key] = {
      sessions: count,
      creation: {
        init: summarize(s.initMs),
        ready: summarize(s.readyMs),
        cpuMsPerSession: (cpu / count) * 1000,
        ...(s.target.serverPid !== undefined ? { serverCpuMsPerSession: ((serverTicks(s.target) - s.server0 - s.excludedServerTicks) / CLK_TCK / count) * 1000 } : {}),
        readyMsSamples: s.readyMs,
      },
      load: {},
    };
    log(`${s.target.name}: ${count} sessions opened, ready p50 ${out[s.target.key].creation.ready.p50.toFixed(1)} ms`);
  }

  await sleep(plan.settleMs);
  await checkpoint(count);
  for (const [t, { probe, points }] of memory) {
    probe.done();
    const first = points[0];
    const last = points[points.length - 1];
    // The fit starts at the first checkpoint with sessions open: the first sessions of a process change
    // its allocator state (RSS has been seen to drop by a few MiB between 0 and 10 sessions).
    const fitted = points.filter((p) => p.sessions > 0);
    out[t.key].idleMemory = {
      sessions: count,
      points,
      rssBaseBytes: first.rssBytes,
      rssWithSessionsBytes: last.rssBytes,
      rssPerSessionBytes: slope(fitted.map((p) => [p.sessions, p.rssBytes])),
      rssPerSessionNaiveBytes: (last.rssBytes - first.rssBytes) / count,
      heapPerSessionBytes: slope(fitted.map((p) => [p.sessions, p.heapBytes])),
    };
  }

  for (const setting of settings) {
    /** @type {Map<Target, Awaited<ReturnType<typeof loadWindow>>[]>} */
    const windows = new Map(targets.map((t) => [t, []]));
    for (let round = 0; round < plan.rounds; round += 1) {
      const order = round % 2 === 0 ? state : [...state].reverse();
      // A setting's first round warms longer: a session's child is a process of its own, whose JIT warms
      // only with its own calls (the SDK floor's sessions share one process, warmed once).
      const warmupMs = round === 0 ? plan.firstWarmupMs : plan.warmupMs;
      for (const s of order) windows.get(s.target)?.push(await loadWindow(s.target, s.sessions, setting, { ...plan, warmupMs }));
    }
    for (const s of state) {
      const r = combine(windows.get(s.target) ?? [], s.target.serverPid !== undefined);
      out[s.target.key].load[settingName(setting)] = r;
      log(`${s.target.name} ${settingName(setting)}: ${r.reqPerS.toFixed(0)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, ${r.cpuUsPerReq.toFixed(0)} µs CPU/req, ${r.errors} errors`);
    }
  }
  await Promise.all(state.flatMap((s) => s.sessions.map((x) => x.close())));
  return out;
}

/**
 * Memory of a server process at rest: a full GC through its inspector, then the median of a few reads.
 * @param {number} pid
 * @param {import('./inspector.js').Inspector} inspector
 */
export async function restingMemory(pid, inspector) {
  const rss = [];
  const heap = [];
  for (let i = 0; i < 3; i += 1) {
    await inspector.collectGarbage();
    await sleep(200);
    rss.push(rssBytes(pid));
    heap.push(await inspector.heapUsed());
  }
  return { rssBytes: median(rss), heapBytes: median(heap) };
}
