// Starts the HTTP servers under test as their own node processes, learns their URL, and stops them,
// checking that no process of their tree is left behind.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { processTree } from './proc-tree.js';

/** @type {Set<import('node:child_process').ChildProcess>} */
const started = new Set();

/**
 * The environment for servers under test: ours without MCP_PROXY_* (so nothing but argv configures them).
 * @returns {Record<string, string>}
 */
function cleanEnv() {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('MCP_PROXY_')) env[k] = v;
  return env;
}

/**
 * @typedef {{
 *   pid: number,
 *   url: string,
 *   output: () => string,
 *   inspectorUrl: () => Promise<string>,
 *   stop: () => Promise<{ orphans: number[] }>,
 * }} RunningServer
 */

/**
 * Spawns `node <args>` and resolves once `findUrl` sees the URL in a line of its output.
 * @param {string[]} args
 * @param {'stdout' | 'stderr'} stream where the URL is printed
 * @param {(line: string) => string | undefined} findUrl
 * @param {string} cwd
 * @returns {Promise<RunningServer>}
 */
export function startNodeServer(args, stream, findUrl, cwd) {
  // The inspector stays off unless activated with SIGUSR1 (see inspectorUrl); this only picks its port.
  const proc = spawn(process.execPath, ['--inspect-port=127.0.0.1:0', ...args], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(proc);
  let tail = '';
  /** @type {((line: string) => void) | undefined} */
  let onStderrLine;
  let stderrPending = '';
  let exited = false;
  const exit = new Promise((resolve) => proc.once('exit', (code, signal) => {
    exited = true;
    started.delete(proc);
    resolve({ code, signal });
  }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('server did not print its URL within 20 s')), 20_000);
    /** @param {Error} error */
    const fail = (error) => {
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new Error(`${error.message}\n${tail}`));
    };
    let pending = '';
    let found = false;
    for (const name of /** @type {const} */ (['stdout', 'stderr'])) {
      proc[name].setEncoding('utf8');
      proc[name].on('data', (chunk) => {
        tail = (tail + chunk).slice(-4000);
        if (name === 'stderr' && onStderrLine) {
          stderrPending += chunk;
          let at;
          while (onStderrLine && (at = stderrPending.indexOf('\n')) !== -1) {
            onStderrLine(stderrPending.slice(0, at));
            stderrPending = stderrPending.slice(at + 1);
          }
        }
        if (found || name !== stream) return;
        pending += chunk;
        let nl;
        while (!found && (nl = pending.indexOf('\n')) !== -1) {
          const url = findUrl(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
          if (url === undefined) continue;
          found = true;
          clearTimeout(timer);
          resolve({
            pid: /** @type {number} */ (proc.pid),
            url,
            output: () => tail,
            inspectorUrl: () => new Promise((resolveUrl, rejectUrl) => {
              const timeout = setTimeout(() => rejectUrl(new Error('the inspector did not start within 5 s')), 5_000);
              onStderrLine = (text) => {
                const match = /Debugger listening on (ws:\/\/\S+)/.exec(text);
                if (!match) return;
                clearTimeout(timeout);
                onStderrLine = undefined;
                resolveUrl(match[1]);
              };
              proc.kill('SIGUSR1');
            }),
            stop: () => stopTree(proc, exit, () => exited),
          });
        }
      });
    }
    void exit.then(({ code, signal }) => {
      if (!found) fail(new Error(`server exited before listening (code ${code}, signal ${signal})`));
    });
  });
}

/**
 * SIGTERM, then SIGKILL after 10 s; then waits up to 5 s for every process that was in its tree to go.
 * @param {import('node:child_process').ChildProcess} proc
 * @param {Promise<unknown>} exit
 * @param {() => boolean} hasExited
 * @returns {Promise<{ orphans: number[] }>}
 */
async function stopTree(proc, exit, hasExited) {
  const tree = hasExited() ? [] : processTree(/** @type {number} */ (proc.pid)).slice(1);
  if (!hasExited()) {
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  }
  const deadline = Date.now() + 5_000;
  let left = tree.filter((pid) => existsSync(`/proc/${pid}`));
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = left.filter((pid) => existsSync(`/proc/${pid}`));
  }
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return { orphans: left };
}

/** SIGKILLs every server this module started that is still running (on an aborted run). */
export function killStartedServers() {
  for (const proc of started) proc.kill('SIGKILL');
}

/**
 * mcp-proxy (the real binary) wrapping the echo server; port 0, URL from its `listening` log line.
 * `proxyRoot` (default `root`) is the checkout whose bin/ and dist/ run, so another build can be measured
 * with this bench (`--proxy-root`); `args` are extra proxy flags.
 * @param {{ root: string, proxyRoot?: string, nodeFlags?: string[], args?: string[] }} opts
 */
export function startProxy(opts) {
  const args = [
    ...(opts.nodeFlags ?? []),
    `${opts.proxyRoot ?? opts.root}bin/mcp-proxy.js`,
    '--port', '0',
    '--max-sessions', '200',
    '--kill-grace', '2',
    '--log-format', 'json',
    ...(opts.args ?? []),
    '--', process.execPath, `${opts.root}bench/echo-server.mjs`,
  ];
  return startNodeServer(args, 'stderr', (line) => {
    if (!line.startsWith('{')) return undefined;
    try {
      const entry = JSON.parse(line);
      return entry.msg === 'listening' && typeof entry.url === 'string' ? entry.url : undefined;
    } catch {
      return undefined;
    }
  }, opts.root);
}

/**
 * The URL a reference server prints as its first stdout line, `{"url": ...}`.
 * @param {string} line
 * @returns {string | undefined}
 */
function urlLine(line) {
  try {
    return JSON.parse(line).url;
  } catch {
    return undefined;
  }
}

/**
 * The in-process SDK floor server; URL from its first stdout line.
 * @param {{ root: string, nodeFlags?: string[] }} opts
 */
export function startSdkFloor(opts) {
  return startNodeServer([...(opts.nodeFlags ?? []), `${opts.root}bench/sdk-floor-server.mjs`, '0'], 'stdout', urlLine, opts.root);
}

/**
 * The relay floor (bench/relay-floor-server.mjs): the least a node:http relay to stdio children does; URL
 * from its first stdout line.
 * @param {{ root: string }} opts
 */
export function startRelayFloor(opts) {
  return startNodeServer([`${opts.root}bench/relay-floor-server.mjs`, '0'], 'stdout', urlLine, opts.root);
}

/**
 * The forwarding floor (bench/forward-floor-server.mjs): the least HTTP forwarder on node, in front of
 * `upstream`; URL from its first stdout line.
 * @param {{ root: string, upstream: string }} opts
 */
export function startForwardFloor(opts) {
  return startNodeServer([`${opts.root}bench/forward-floor-server.mjs`, '0', opts.upstream], 'stdout', urlLine, opts.root);
}
