// Closed-loop load: every session keeps `inflight` echo calls outstanding; after a warm-up the calls
// completing inside a bounded window are counted and timed, with a CPU snapshot at each edge.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * @typedef {{ callEcho(message: string): Promise<void> }} Caller
 * @typedef {{ warmupMs: number, windowMs: number, maxRequests: number }} Window
 * @typedef {{ requests: number, errors: number, seconds: number, latencies: number[], cpuSeconds: number, firstError?: string }} LoadResult
 */

/**
 * Runs the load and returns what completed in the measured window.
 * @param {Caller[]} sessions
 * @param {number} inflight calls kept outstanding per session
 * @param {Window} window
 * @param {{ snapshot(): unknown, secondsBetween(a: unknown, b: unknown): number, onWindow?(edge: 'start' | 'end'): void }} cpu
 * @returns {Promise<LoadResult>}
 */
export async function runLoad(sessions, inflight, window, cpu) {
  let phase = 'warmup';
  /** @type {number[]} */
  const latencies = [];
  let errors = 0;
  /** @type {string | undefined} */
  let firstError;
  /** @type {() => void} */
  let windowFull = () => undefined;
  const full = new Promise((resolve) => (windowFull = () => resolve(undefined)));

  /** @param {Caller} session */
  const worker = async (session) => {
    while (phase !== 'stop') {
      const t0 = performance.now();
      try {
        await session.callEcho('hello');
      } catch (error) {
        if (phase === 'stop') return;
        errors += 1;
        firstError ??= String(error instanceof Error ? error.message : error);
        await sleep(10);
        continue;
      }
      if (phase === 'measure') {
        latencies.push(performance.now() - t0);
        if (latencies.length >= window.maxRequests) windowFull();
      }
    }
  };

  const workers = sessions.flatMap((s) => Array.from({ length: inflight }, () => worker(s)));
  await sleep(window.warmupMs);
  const warmupErrors = errors;
  phase = 'measure';
  cpu.onWindow?.('start');
  const cpu0 = cpu.snapshot();
  const t0 = performance.now();
  await Promise.race([sleep(window.windowMs), full]);
  const count = latencies.length;
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpu.snapshot();
  cpu.onWindow?.('end');
  phase = 'stop';
  await Promise.all(workers);
  return {
    requests: count,
    errors: errors - warmupErrors,
    seconds,
    latencies: latencies.slice(0, count),
    cpuSeconds: cpu.secondsBetween(cpu0, cpu1),
    ...(firstError ? { firstError } : {}),
  };
}
