import { median } from './stats.js';

// Target ratios and the markdown tables printed at the end of a run.

/** @param {number} n @param {number} [digits] */
const f = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/**
 * @typedef {{ name: string, value: string, target: string, pass: boolean }} Check
 */

/**
 * Median of the differences between the i-th samples of two series opened round-robin: robust to the
 * machine's load drifting during the creation phase.
 * @param {number[]} a
 * @param {number[]} b
 */
export function pairedDeltaMs(a, b) {
  return median(a.slice(0, b.length).map((x, i) => x - b[i]));
}

/**
 * The four targets of the issue, as ratios within this run.
 * @param {any} results
 * @returns {Check[]}
 */
export function evaluateTargets(results) {
  const proxy = results.targets.proxy;
  const floor = results.targets.sdkFloor;
  const stdio = results.targets.stdio;
  const p = proxy.load['10x4'];
  const s = floor.load['10x4'];
  const throughput = p.reqPerS / s.reqPerS;
  const cpu = p.cpuUsPerReq / s.cpuUsPerReq;
  const rssKb = proxy.idleMemory.rssPerSessionBytes / 1024;
  const extraMs = proxy.creation.ready.p50 - stdio.creation.ready.p50;
  const paired = pairedDeltaMs(proxy.creation.readyMsSamples, stdio.creation.readyMsSamples);
  return [
    { name: 'throughput at 10x4 vs SDK floor', value: `${f(throughput * 100)}% (${f(p.reqPerS, 0)} vs ${f(s.reqPerS, 0)} req/s)`, target: '>= 55%', pass: throughput >= 0.55 },
    { name: 'proxy-tree CPU/request at 10x4 vs SDK floor', value: `${f(cpu, 2)}x (${f(p.cpuUsPerReq, 0)} vs ${f(s.cpuUsPerReq, 0)} µs)`, target: '<= 2x', pass: cpu <= 2 },
    { name: 'proxy RSS per idle session (excl. child)', value: `${f(rssKb)} KB (${proxy.idleMemory.sessions} sessions; JS heap ${f(proxy.idleMemory.heapPerSessionBytes / 1024)} KB)`, target: '<= 200 KB', pass: rssKb <= 200 },
    { name: 'session creation vs child start (median of paired differences)', value: `${f(paired, 1)} ms (p50 ${f(proxy.creation.ready.p50)} vs ${f(stdio.creation.ready.p50)} ms: ${f(extraMs)} ms)`, target: '<= +10 ms', pass: paired <= 10 },
  ];
}

/**
 * @param {string[]} header
 * @param {string[][]} rows
 */
function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const LABELS = /** @type {Record<string, string>} */ ({ proxy: 'mcp-proxy', sdkFloor: 'SDK HTTP floor', stdio: 'stdio floor' });

/**
 * The markdown report: load table, session creation, memory, targets.
 * @param {any} results
 * @param {Check[]} checks
 * @returns {string}
 */
export function renderMarkdown(results, checks) {
  const order = ['proxy', 'sdkFloor', 'stdio'];
  const loadRows = [];
  for (const setting of results.config.settings) {
    for (const key of order) {
      const r = results.targets[key].load[setting];
      const own = r.serverProcess ? `${f(r.serverProcess.userUsPerReq, 0)} / ${f(r.serverProcess.systemUsPerReq, 0)}` : '–';
      loadRows.push([setting, LABELS[key], f(r.reqPerS, 0), f(r.latencyMs.p50, 2), f(r.latencyMs.p99, 2), f(r.cpuUsPerReq, 0), own, f(r.cpuCores, 2), String(r.errors)]);
    }
  }
  const creationRows = order.map((key) => {
    const c = results.targets[key].creation;
    return [LABELS[key], f(c.ready.p50), f(c.ready.p95), f(c.init.p50), f(c.cpuMsPerSession), c.serverCpuMsPerSession === undefined ? '–' : f(c.serverCpuMsPerSession), String(c.ready.n)];
  });
  const rssRows = ['proxy', 'sdkFloor'].map((key) => {
    const m = results.targets[key].idleMemory;
    return [LABELS[key], f(m.rssBaseBytes / 1048576), f(m.rssWithSessionsBytes / 1048576), String(m.sessions), f(m.rssPerSessionBytes / 1024), f(m.heapPerSessionBytes / 1024)];
  });
  return [
    `### Calls (tools/call echo) — ${results.config.window}`,
    '',
    table(['sessions×in flight', 'system', 'req/s', 'p50 ms', 'p99 ms', 'tree CPU µs/req', 'server process user / sys µs/req', 'tree CPU cores', 'errors'], loadRows),
    '',
    'Tree CPU is the whole process tree under test (mcp-proxy + its children; the SDK floor process; the stdio children), never the load generator. '
      + 'The server-process column is the HTTP server process alone (mcp-proxy without its children), split into user and kernel time.',
    '',
    '### Session creation (sequential)',
    '',
    table(['system', 'ready p50 ms', 'ready p95 ms', 'initialize p50 ms', 'tree CPU ms/session', 'server process CPU ms/session', 'n'], creationRows),
    '',
    'ready = initialize answered + notifications/initialized accepted (HTTP); spawn → initialize answer (stdio).',
    '',
    '### Idle memory (the server process alone, after a forced full GC; per session = least-squares slope over 10, 20, … N sessions)',
    '',
    table(['system', 'RSS, 0 sessions (MiB)', 'RSS, N idle sessions (MiB)', 'N', 'RSS per session (KB)', 'JS heap per session (KB)'], rssRows),
    '',
    '### Targets (ratios within this run)',
    '',
    table(['target', 'measured', 'goal', 'result'], checks.map((c) => [c.name, c.value, c.target, c.pass ? 'PASS' : 'MISS'])),
  ].join('\n');
}
