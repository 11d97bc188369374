#!/usr/bin/env node
// `npm run bench`: mcp-proxy (wrapping the echo server) against two floors — direct stdio and the SDK's
// own in-process HTTP transport — at 1x1, 10x4 and 50x1; then a request forwarded between two instances
// (with redis-server, when installed) and session creation with --prewarm against a ping. Prints markdown,
// writes bench/results/latest.json.
// Flags: --quick (short windows), --profile (extra 10x4 runs of the proxy and the SDK floor under --cpu-prof),
//        --update-docs (replace the results section of docs/benchmarks.md),
//        --proxy-root <dir> (run the mcp-proxy of another checkout, built, e.g. to measure a before/after).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createHttpClient, openHttpSession } from './lib/mcp-http.js';
import { killStdioChildren, openStdioSession } from './lib/mcp-stdio.js';
import { profileServer, renderProfile } from './lib/profile-run.js';
import { evaluateTargets, renderMarkdown } from './lib/report.js';
import { measureTargets, restingMemory, settingName } from './lib/scenario.js';
import { connectInspector } from './lib/inspector.js';
import { killStartedServers, startProxy, startRelayFloor, startSdkFloor } from './lib/servers.js';
import { measureForwarding } from './lib/forwarding.js';
import { measurePrewarm } from './lib/prewarm.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = `${root}bench/results`;
const echoServer = `${root}bench/echo-server.mjs`;
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const profile = argv.includes('--profile');
const updateDocs = argv.includes('--update-docs');
const proxyRootAt = argv.indexOf('--proxy-root');
const proxyRoot = proxyRootAt === -1 ? undefined : `${argv[proxyRootAt + 1]?.replace(/\/$/, '')}/`;
if (proxyRoot === 'undefined/') throw new Error('--proxy-root needs a directory');

const SETTINGS = [{ sessions: 1, inflight: 1 }, { sessions: 10, inflight: 4 }, { sessions: 50, inflight: 1 }];
const PLAN = quick
  ? { warmupMs: 500, firstWarmupMs: 3000, windowMs: 1000, rounds: 2, maxRequests: 1_000_000, idleSessions: 50, settleMs: 300, memoryEvery: 10 }
  : { warmupMs: 1000, firstWarmupMs: 6000, windowMs: 2500, rounds: 2, maxRequests: 1_000_000, idleSessions: 50, settleMs: 1000, memoryEvery: 10 };
const CONNECTIONS = 64;
const FORWARDING = quick ? { perRound: 500, rounds: 2 } : { perRound: 2000, rounds: 4 };
const PREWARM = quick ? { sessions: 5, intervalMs: 1000 } : { sessions: 12, intervalMs: 1000 };

const started = performance.now();
/** @param {string} msg */
const log = (msg) => process.stderr.write(`[bench +${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);

function abort() {
  killStartedServers();
  killStdioChildren();
}
process.on('uncaughtException', (error) => {
  abort();
  process.stderr.write(`bench failed: ${error.stack ?? String(error)}\n`);
  process.exit(1);
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    abort();
    process.exit(130);
  });
}

/**
 * Starts the SDK floor and the proxy, measures them with the stdio floor, stops everything.
 * @returns {Promise<Record<string, any>>}
 */
async function measureAll() {
  /** @type {import('./lib/servers.js').RunningServer[]} */
  const servers = [];
  /** @type {ReturnType<typeof createHttpClient>[]} */
  const clients = [];
  /** @type {number[]} */
  const orphans = [];
  let results;
  try {
    const floor = await startSdkFloor({ root });
    servers.push(floor);
    const proxy = await startProxy({ root, proxyRoot });
    servers.push(proxy);
    const relay = await startRelayFloor({ root });
    servers.push(relay);
    /**
     * @param {string} key
     * @param {string} name
     * @param {import('./lib/servers.js').RunningServer} server
     * @param {boolean} hasChildren
     * @returns {import('./lib/scenario.js').Target}
     */
    const httpTarget = (key, name, server, hasChildren) => {
      const client = createHttpClient(server.url, CONNECTIONS);
      clients.push(client);
      return {
        key,
        name,
        open: () => openHttpSession(client),
        cpuRoots: () => [server.pid],
        serverPid: server.pid,
        hasChildren,
        memory: async () => {
          const inspector = await connectInspector(await server.inspectorUrl());
          return { read: () => restingMemory(server.pid, inspector), done: () => inspector.close() };
        },
      };
    };
    /** @type {import('./lib/scenario.js').Target} */
    const stdio = {
      key: 'stdio',
      name: 'stdio floor',
      open: () => openStdioSession(process.execPath, [echoServer]),
      cpuRoots: (sessions) => sessions.map((s) => /** @type {any} */ (s).pid),
    };
    const targets = [stdio, httpTarget('sdkFloor', 'SDK floor', floor, false), httpTarget('proxy', 'mcp-proxy', proxy, true), httpTarget('relayFloor', 'relay floor', relay, true)];
    results = await measureTargets(targets, SETTINGS, PLAN, log);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    for (const server of servers) orphans.push(...(await server.stop()).orphans);
  }
  if (orphans.length > 0) throw new Error(`${orphans.length} process(es) left after stopping the servers: ${orphans.join(', ')}`);
  return results;
}

/** @param {string} markdown */
function writeDocs(markdown) {
  const path = `${root}docs/benchmarks.md`;
  const text = readFileSync(path, 'utf8');
  const begin = '<!-- bench:results:start -->';
  const end = '<!-- bench:results:end -->';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a === -1 || b === -1) throw new Error(`${path} has no ${begin} … ${end} section`);
  writeFileSync(path, `${text.slice(0, a + begin.length)}\n${markdown}\n${text.slice(b)}`);
}

async function main() {
  log(`settings ${SETTINGS.map(settingName).join(', ')}; warm-up ${PLAN.warmupMs} ms, window ${PLAN.windowMs} ms each`);
  const targets = await measureAll();
  const forwarding = await measureForwarding({ root, proxyRoot, ...FORWARDING, log });
  const prewarm = await measurePrewarm({ root, proxyRoot, ...PREWARM, log });
  const results = {
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    node: process.version,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavgAtEnd: loadavg() },
    config: {
      settings: SETTINGS.map(settingName),
      plan: PLAN,
      window: `${PLAN.rounds} rounds of warm-up (${PLAN.firstWarmupMs / 1000} s in a setting's first round, then ${PLAN.warmupMs / 1000} s) + ${PLAN.windowMs / 1000} s measured, per setting and system, order alternating`,
      connections: CONNECTIONS,
      forwarding: FORWARDING,
      prewarm: PREWARM,
      ...(proxyRoot ? { proxyRoot } : {}),
    },
    targets,
    forwarding,
    prewarm,
    /** @type {any} */
    profile: undefined,
    /** @type {any[]} */
    checks: [],
    seconds: 0,
  };
  results.checks = evaluateTargets(results);
  if (profile) {
    const dir = `${resultsDir}/profile`;
    rmSync(dir, { recursive: true, force: true });
    const options = { plan: PLAN, connections: CONNECTIONS, log };
    results.profile = {
      proxy: await profileServer('mcp-proxy', (flags) => startProxy({ root, proxyRoot, nodeFlags: flags }), `${dir}/proxy`, options),
      sdkFloor: await profileServer('SDK floor', (flags) => startSdkFloor({ root, nodeFlags: flags }), `${dir}/sdk-floor`, options),
    };
  }
  results.seconds = (performance.now() - started) / 1000;
  let markdown = renderMarkdown(results, results.checks);
  if (results.profile) markdown += `\n\n${renderProfile(results.profile.proxy)}\n\n${renderProfile(results.profile.sdkFloor, 8)}`;
  markdown += `\n\nRun: ${results.startedAt}, Node ${results.node}, ${results.machine.cpus} × ${results.machine.model}, ${results.seconds.toFixed(0)} s, load average at end ${results.machine.loadavgAtEnd.map((l) => l.toFixed(2)).join(' ')}.`;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(`${resultsDir}/latest.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${resultsDir}/latest.md`, `${markdown}\n`);
  if (updateDocs) writeDocs(markdown);
  process.stdout.write(`${markdown}\n`);
  const errors = Object.entries(results.targets).flatMap(([name, t]) =>
    Object.entries(t.load).filter(([, r]) => /** @type {any} */ (r).errors > 0).map(([s, r]) => `${name} ${s}: ${/** @type {any} */ (r).errors} failed calls (${/** @type {any} */ (r).firstError})`));
  if (errors.length > 0) throw new Error(errors.join('\n'));
  log(`done in ${results.seconds.toFixed(0)} s; bench/results/latest.json written`);
}

main().catch((error) => {
  abort();
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
