// CPU time and RSS of a process tree, read from /proc (Linux only). Children of the proxy run in their
// own process groups, so the tree is found by walking ppid links of every /proc/<pid>/stat.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second for utime/stime. */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * ppid and CPU ticks (user + system, and each) of one process, or undefined if it is gone.
 * @param {number} pid
 * @returns {{ ppid: number, ticks: number, user: number, system: number } | undefined}
 */
export function readStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may contain spaces and parentheses): state is field 3.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  return { ppid: Number(fields[1]), ticks: user + system, user, system };
}

/**
 * The pid and every live descendant of it.
 * @param {number} root
 * @returns {number[]}
 */
export function processTree(root) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (!stat) continue;
    const list = children.get(stat.ppid);
    if (list) list.push(pid);
    else children.set(stat.ppid, [pid]);
  }
  const out = [root];
  for (let i = 0; i < out.length; i += 1) out.push(...(children.get(out[i]) ?? []));
  return out;
}

/**
 * CPU ticks of each process in the trees rooted at `roots` (a root may be a single child).
 * @param {number[]} roots
 * @returns {Map<number, number>}
 */
export function cpuSnapshot(roots) {
  /** @type {Map<number, number>} */
  const snap = new Map();
  for (const root of roots) {
    for (const pid of processTree(root)) {
      const stat = readStat(pid);
      if (stat) snap.set(pid, stat.ticks);
    }
  }
  return snap;
}

/**
 * CPU seconds spent between two snapshots. A process that appeared in between counts from zero; one that
 * exited in between is lost (its time is not observable), so phases should not end processes.
 * @param {Map<number, number>} before
 * @param {Map<number, number>} after
 * @returns {number}
 */
export function cpuSecondsBetween(before, after) {
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
  return ticks / CLK_TCK;
}

/**
 * Resident set size of one process (not its children), in bytes.
 * @param {number} pid
 * @returns {number}
 */
export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * Voluntary and involuntary (preempted) context switches of one process's main thread and all threads.
 * @param {number} pid
 * @returns {{ voluntary: number, involuntary: number }}
 */
export function contextSwitches(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const voluntary = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(status);
  const involuntary = /^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status);
  return { voluntary: Number(voluntary?.[1] ?? 0), involuntary: Number(involuntary?.[1] ?? 0) };
}
