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
  // #13's targets: the proxy process's own CPU, throughput and latency against the floors, the prewarm
  // pool against a ping, and the forwarded hop against a request sent to its owner.
  const own = p.serverProcess.userUsPerReq + p.serverProcess.systemUsPerReq;
  const p1 = proxy.load['1x1'].latencyMs.p50;
  const d1 = stdio.load['1x1'].latencyMs.p50;
  const over1x1Us = (p1 - d1) * 1000;
  const fw = results.forwarding;
  const pw = results.prewarm;
  // The relay floor (a reference, no target): what the least node:http relay to stdio children reaches.
  const rf = results.targets.relayFloor;
  const rfOwn = rf ? rf.load['10x4'].serverProcess.userUsPerReq + rf.load['10x4'].serverProcess.systemUsPerReq : undefined;
  const ref = (/** @type {string} */ text) => (rf ? `; relay floor: ${text}` : '');
  const issue13 = [
    { name: 'proxy process CPU/request at 10x4', value: `${f(own, 1)} µs (user ${f(p.serverProcess.userUsPerReq, 1)} + sys ${f(p.serverProcess.systemUsPerReq, 1)}${ref(`${f(rfOwn ?? NaN, 1)} µs`)})`, target: '<= 30 µs', pass: own <= 30 },
    { name: 'throughput at 10x4 vs SDK floor (#13)', value: `${f(throughput, 2)}x (${f(p.reqPerS, 0)} vs ${f(s.reqPerS, 0)} req/s${ref(`${f(rf ? rf.load['10x4'].reqPerS / s.reqPerS : NaN, 2)}x`)})`, target: '>= 1.5x', pass: throughput >= 1.5 },
    { name: 'p50 at 1x1 over the stdio floor', value: `+${f(over1x1Us, 0)} µs (${f(p1 * 1000, 0)} vs ${f(d1 * 1000, 0)} µs${ref(`+${f(rf ? (rf.load['1x1'].latencyMs.p50 - d1) * 1000 : NaN, 0)} µs`)})`, target: '<= +50 µs', pass: over1x1Us <= 50 },
    ...(pw ? [{ name: 'session creation with --prewarm vs a ping (median of paired differences)', value: `+${f(pw.overPingMs, 2)} ms (creation p50 ${f(pw.ready.p50, 2)} ms, ping p50 ${f(pw.ping.p50, 2)} ms, ${pw.sessions} sessions ${pw.intervalMs} ms apart)`, target: '<= +5 ms', pass: pw.overPingMs <= 5 }] : []),
    ...(fw ? [
      { name: 'forwarded request CPU vs to its owner (both trees + redis, 1 in flight)', value: `${f(fw.cpuRatio, 2)}x (${f(fw.forwarded.cpuUsPerReq, 0)} vs ${f(fw.direct.cpuUsPerReq, 0)} µs${fw.floor ? `; forwarding floor: ${f(fw.floorCpuRatio, 2)}x` : ''})`, target: '<= 1.5x', pass: fw.cpuRatio <= 1.5 },
      { name: 'forwarded request p50 over to its owner (1 in flight)', value: `+${f(fw.addedP50Ms, 3)} ms (${f(fw.forwarded.latencyMs.p50, 3)} vs ${f(fw.direct.latencyMs.p50, 3)} ms)`, target: '<= +1 ms', pass: fw.addedP50Ms <= 1 },
    ] : [{ name: 'forwarded request (needs redis-server)', value: 'not measured', target: '<= 1.5x CPU, <= +1 ms', pass: false }]),
  ];
  return [
    { name: 'throughput at 10x4 vs SDK floor', value: `${f(throughput * 100)}% (${f(p.reqPerS, 0)} vs ${f(s.reqPerS, 0)} req/s)`, target: '>= 55%', pass: throughput >= 0.55 },
    { name: 'proxy-tree CPU/request at 10x4 vs SDK floor', value: `${f(cpu, 2)}x (${f(p.cpuUsPerReq, 0)} vs ${f(s.cpuUsPerReq, 0)} µs)`, target: '<= 2x', pass: cpu <= 2 },
    { name: 'proxy RSS per idle session (excl. child)', value: `${f(rssKb)} KB (${proxy.idleMemory.sessions} sessions; JS heap ${f(proxy.idleMemory.heapPerSessionBytes / 1024)} KB)`, target: '<= 200 KB', pass: rssKb <= 200 },
    { name: 'session creation vs child start (median of paired differences)', value: `${f(paired, 1)} ms (p50 ${f(proxy.creation.ready.p50)} vs ${f(stdio.creation.ready.p50)} ms: ${f(extraMs)} ms)`, target: '<= +10 ms', pass: paired <= 10 },
    ...issue13,
  ];
}

/**
 * @param {string[]} header
 * @param {string[][]} rows
 */
function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const LABELS = /** @type {Record<string, string>} */ ({ proxy: 'mcp-proxy', sdkFloor: 'SDK HTTP floor', stdio: 'stdio floor', relayFloor: 'relay floor (reference)' });

/**
 * The markdown report: load table, session creation, memory, targets.
 * @param {any} results
 * @param {Check[]} checks
 * @returns {string}
 */
export function renderMarkdown(results, checks) {
  const order = ['proxy', 'sdkFloor', 'stdio', ...(results.targets.relayFloor ? ['relayFloor'] : [])];
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
  const rssRows = ['proxy', 'sdkFloor', ...(results.targets.relayFloor ? ['relayFloor'] : [])].map((key) => {
    const m = results.targets[key].idleMemory;
    return [LABELS[key], f(m.rssBaseBytes / 1048576), f(m.rssWithSessionsBytes / 1048576), String(m.sessions), f(m.rssPerSessionBytes / 1024), f(m.heapPerSessionBytes / 1024)];
  });
  return [
    `### Calls (tools/call echo) — ${results.config.window}`,
    '',
    table(['sessions×in flight', 'system', 'req/s', 'p50 ms', 'p99 ms', 'tree CPU µs/req', 'server process user / sys µs/req', 'tree CPU cores', 'errors'], loadRows),
    '',
    'Tree CPU is the whole process tree under test (mcp-proxy + its children; the SDK floor process; the stdio children), never the load generator. '
      + 'The server-process column is the HTTP server process alone (mcp-proxy without its children), split into user and kernel time. '
      + 'The relay floor (bench/relay-floor-server.mjs) is a reference, not a product: the least a node:http relay to stdio children does '
      + '(body to the child as it came, the answer as one SSE event; no checks, auth, event store, timeouts or era handling).',
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
    ...forwardingSection(results.forwarding),
    ...prewarmSection(results.prewarm),
    '### Targets (ratios within this run)',
    '',
    table(['target', 'measured', 'goal', 'result'], checks.map((c) => [c.name, c.value, c.target, c.pass ? 'PASS' : 'MISS'])),
  ].join('\n');
}

/**
 * @param {any} fw measureForwarding's result, or undefined when it was skipped
 * @returns {string[]}
 */
function forwardingSection(fw) {
  if (!fw) return ['### Forwarded hop', '', 'Not measured: redis-server is not installed.', ''];
  const row = (/** @type {string} */ label, /** @type {any} */ r) => [label, f(r.latencyMs.p50, 3), f(r.latencyMs.p99, 3), f(r.cpuUsPerReq, 0), r.partsUsPerReq.map((/** @type {number} */ c) => f(c, 0)).join(' / ')];
  return [
    `### Forwarded hop (two instances + redis-server, 1 in flight, ${fw.direct.requests} requests each, rounds alternating)`,
    '',
    table(['request', 'p50 ms', 'p99 ms', 'CPU µs/req (both trees + redis)', 'owner tree / other instance tree / redis / forwarding floor µs/req'], [
      row('to the owner', fw.direct), row('forwarded by another instance', fw.forwarded), ...(fw.floor ? [row('forwarded by the forwarding floor (reference)', fw.floor)] : []),
    ]),
    '',
    'The forwarding floor (bench/forward-floor-server.mjs) is a reference, not a product: the least HTTP forwarder on node (node:http in, '
      + 'undici out, every request to the owner as it came; no directory, checks or secret).',
    '',
  ];
}

/**
 * @param {any} pw measurePrewarm's result
 * @returns {string[]}
 */
function prewarmSection(pw) {
  if (!pw) return [];
  return [
    `### Session creation with --prewarm 2 (${pw.sessions} sessions, ${pw.intervalMs} ms apart, each after 5 pings on an open session)`,
    '',
    table(['', 'p50 ms', 'p95 ms', 'max ms'], [
      ['session creation (initialize + initialized)', f(pw.ready.p50, 2), f(pw.ready.p95, 2), f(pw.ready.max, 2)],
      ['ping on an open session (median of 5)', f(pw.ping.p50, 2), f(pw.ping.p95, 2), f(pw.ping.max, 2)],
      [`the child's own first initialize, spawned and left waiting, over stdio (n=${pw.childInitialize.n})`, f(pw.childInitialize.p50, 2), f(pw.childInitialize.p95, 2), f(pw.childInitialize.max, 2)],
      ...(pw.childInitializeWarm ? [[`the same after one warm-up ping, as the pool sends (n=${pw.childInitializeWarm.n})`, f(pw.childInitializeWarm.p50, 2), f(pw.childInitializeWarm.p95, 2), f(pw.childInitializeWarm.max, 2)]] : []),
    ]),
    '',
    `Median of paired differences: +${f(pw.overPingMs, 2)} ms; proxy main-thread CPU per creation ${f(pw.serverCpuMsPerSession, 2)} ms (/proc/<pid>/schedstat).`,
    '',
  ];
}
