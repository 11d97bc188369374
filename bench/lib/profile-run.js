// A separate 10x4 run of one HTTP server under `node --cpu-prof`, summarised over the measured window
// only, next to the process's CPU time from /proc for the same window (the profiler samples wall-clock
// time while the thread is not idle, which includes time descheduled inside a syscall).
import { mkdirSync, readdirSync } from 'node:fs';
import { relative } from 'node:path';
import { summarizeProfile } from './cpu-profile.js';
import { runLoad } from './load.js';
import { createHttpClient, openHttpSession } from './mcp-http.js';
import { CLK_TCK, cpuSecondsBetween, cpuSnapshot, readStat } from './proc-tree.js';

/**
 * @param {string} name
 * @param {(nodeFlags: string[]) => Promise<import('./servers.js').RunningServer>} start
 * @param {string} dir where the .cpuprofile goes
 * @param {{ plan: import('./scenario.js').Plan, connections: number, log: (msg: string) => void }} opts
 */
export async function profileServer(name, start, dir, opts) {
  mkdirSync(dir, { recursive: true });
  const server = await start(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const client = createHttpClient(server.url, opts.connections);
  /** @type {Record<string, number>} */
  const edges = {};
  let load;
  try {
    const sessions = [];
    for (let i = 0; i < 10; i += 1) sessions.push((await openHttpSession(client)).session);
    load = await runLoad(sessions, 4, { ...opts.plan, windowMs: opts.plan.windowMs * opts.plan.rounds }, {
      snapshot: () => cpuSnapshot([server.pid]),
      secondsBetween: (a, b) => cpuSecondsBetween(/** @type {Map<number, number>} */ (a), /** @type {Map<number, number>} */ (b)),
      onWindow: (edge) => {
        edges[edge] = Number(process.hrtime.bigint() / 1000n);
        const stat = readStat(server.pid);
        edges[`${edge}User`] = stat?.user ?? 0;
        edges[`${edge}System`] = stat?.system ?? 0;
      },
    });
    await Promise.all(sessions.map((s) => s.close()));
  } finally {
    await client.close();
    await server.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`${name} wrote no .cpuprofile`);
  const summary = summarizeProfile(`${dir}/${file}`, { startUs: edges.start, endUs: edges.end, top: 30 });
  opts.log(`profile of ${name}: ${load.requests} requests in ${load.seconds.toFixed(1)} s, ${summary.busyMs.toFixed(0)} ms busy on its main thread`);
  return {
    name,
    file: relative(process.cwd(), `${dir}/${file}`),
    requests: load.requests,
    reqPerS: load.requests / load.seconds,
    windowUs: { start: edges.start, end: edges.end },
    processCpu: {
      userMs: ((edges.endUser - edges.startUser) / CLK_TCK) * 1000,
      systemMs: ((edges.endSystem - edges.startSystem) / CLK_TCK) * 1000,
    },
    ...summary,
  };
}

/**
 * @param {any} p a profileServer result
 * @param {number} [rows]
 */
export function renderProfile(p, rows = 20) {
  const perReq = (/** @type {number} */ ms) => ((ms * 1000) / p.requests).toFixed(0);
  const row = (/** @type {any} */ r) => `| ${r.function} | ${r.where} | ${r.selfMs.toFixed(0)} | ${perReq(r.selfMs)} | ${r.pct.toFixed(1)}% |`;
  return [
    `### ${p.name} CPU profile at 10x4 (${p.requests} requests, ${p.reqPerS.toFixed(0)} req/s, under --cpu-prof)`,
    '',
    `Main thread busy (sampled wall-clock while not idle): ${p.busyMs.toFixed(0)} ms = ${perReq(p.busyMs)} µs/request. `
      + `Process CPU from /proc in the same window: user ${p.processCpu.userMs.toFixed(0)} ms + system ${p.processCpu.systemMs.toFixed(0)} ms `
      + `= ${perReq(p.processCpu.userMs + p.processCpu.systemMs)} µs/request (all threads, children excluded).`,
    '',
    '| package | self ms | µs/req | share |', '|---|---|---|---|',
    ...p.packages.slice(0, Math.min(rows, 10)).map((/** @type {any} */ r) => `| ${r.package} | ${r.selfMs.toFixed(0)} | ${perReq(r.selfMs)} | ${r.pct.toFixed(1)}% |`),
    '',
    '| function (self time) | where | self ms | µs/req | share |', '|---|---|---|---|---|', ...p.functions.slice(0, rows).map(row),
    '',
    '| function (inclusive, application and packages) | where | total ms | µs/req | share |', '|---|---|---|---|---|', ...p.inclusive.slice(0, rows).map(row),
  ].join('\n');
}
