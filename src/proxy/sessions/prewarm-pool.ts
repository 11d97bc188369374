import type { Logger } from '../../shared/logger.js';
import { ChildProcess, type ChildOptions } from '../child/child-process.js';
import { poolPlan } from '../capacity.js';

export interface PrewarmPoolOptions {
  /** How many children to keep spawned and waiting. */
  size: number;
  child: Omit<ChildOptions, 'logger'>;
  /** Free capacity under --max-sessions after sessions and principals (capacity.ts); the pool fits its own children in it. */
  capacityLeft: () => number;
  logger: Logger;
  /** Pause after a waiting child died on its own, so a server that cannot start does not spin. */
  retryDelayMs?: number;
  /** How long a refill waits before it spawns (default REFILL_DELAY_MS); the first fill does not wait. */
  refillDelayMs?: number;
}

/**
 * Spawning a child blocks the event loop for a few ms (execa's synchronous spawn) and its start-up then
 * competes for the CPU: a refill waits this long, so it does not fall inside the `initialize` of the
 * session that just took a child, which is the latency the pool exists to cut.
 */
export const REFILL_DELAY_MS = 250;

/** How long a waiting child has to answer a warm-up ping; one that has not is still taken, after the warm ones. */
export const WARM_UP_TIMEOUT_MS = 10_000;

/**
 * Warm-up pings per waiting child, sent one after the other: the first compiles a node server's request
 * path, the next ones run it again (the bench's echo server answered its first initialize in ~3.6 ms
 * after one ping, ~3.0 ms after three, 11–15 ms after none).
 */
export const WARM_UP_PINGS = 3;

/**
 * Children spawned ahead of sessions, not yet initialized, so a new session skips the server's start-up
 * time. Each is sent warm-up `ping`s (the one request allowed before `initialize`), so the server's
 * first-request code is compiled before a client waits on it; children that answered are taken first.
 * A child is taken by exactly one session and never returns; the pool refills in the background, only
 * while capacity is left, and gives children back first when the limit is near.
 */
export class PrewarmPool {
  readonly #opts: PrewarmPoolOptions;
  readonly #waiting = new Set<ChildProcess>();
  /** Waiting children that answered their warm-up ping. */
  readonly #warm = new WeakSet<ChildProcess>();
  #closed = false;
  #refillTimer: NodeJS.Timeout | undefined;
  /** A refill's spawns, due shortly (REFILL_DELAY_MS). */
  #spawnTimer: NodeJS.Timeout | undefined;
  #failures = 0;

  constructor(opts: PrewarmPoolOptions) {
    this.#opts = opts;
    this.#fill();
  }

  get size(): number {
    return this.#waiting.size;
  }

  /** Waiting children that answered their warm-up ping. */
  get warmed(): number {
    let n = 0;
    for (const child of this.#waiting) if (this.#warm.has(child)) n += 1;
    return n;
  }

  /** A waiting, live child for a new session, or undefined. Refills behind it. */
  take(): ChildProcess | undefined {
    const child = this.#pick((c) => this.#warm.has(c)) ?? this.#pick(() => true);
    if (!child) return undefined;
    this.#waiting.delete(child);
    this.#failures = 0;
    queueMicrotask(() => this.refill());
    return child;
  }

  /** The first live waiting child that `wanted` accepts; dead ones met on the way leave the pool. */
  #pick(wanted: (child: ChildProcess) => boolean): ChildProcess | undefined {
    for (const child of this.#waiting) {
      if (!child.alive) this.#waiting.delete(child);
      else if (wanted(child)) return child;
    }
    return undefined;
  }

  /**
   * Ends waiting children beyond the capacity left at once, and tops the pool up to its size within it
   * a moment later (REFILL_DELAY_MS).
   */
  refill(): void {
    if (this.#closed) return;
    const plan = poolPlan(this.#opts.capacityLeft(), this.#waiting.size, this.#opts.size);
    for (let i = 0; i < plan.release; i++) this.#release();
    if (plan.spawn === 0 || this.#refillTimer !== undefined || this.#spawnTimer !== undefined) return;
    this.#spawnTimer = setTimeout(() => {
      this.#spawnTimer = undefined;
      this.#fill();
    }, this.#opts.refillDelayMs ?? REFILL_DELAY_MS);
    this.#spawnTimer.unref();
  }

  async closeAll(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#refillTimer);
    clearTimeout(this.#spawnTimer);
    const children = [...this.#waiting];
    this.#waiting.clear();
    await Promise.all(children.map((c) => c.stop()));
  }

  /** Tops the pool up now, within the capacity left. */
  #fill(): void {
    if (this.#closed || this.#refillTimer !== undefined) return;
    const plan = poolPlan(this.#opts.capacityLeft(), this.#waiting.size, this.#opts.size);
    for (let i = 0; i < plan.release; i++) this.#release();
    for (let i = 0; i < plan.spawn; i++) this.#spawn();
  }

  #spawn(): void {
    const child = new ChildProcess({ ...this.#opts.child, logger: this.#opts.logger.child({ prewarmed: true }) });
    this.#waiting.add(child);
    void this.#warmUp(child);
    void child.exited.then((exit) => {
      if (!this.#waiting.delete(child) || this.#closed) return; // taken, released or closing
      this.#failures += 1;
      const delay = Math.min(30_000, (this.#opts.retryDelayMs ?? 1_000) * 2 ** Math.min(this.#failures - 1, 5));
      this.#opts.logger.warn('a prewarmed MCP server exited while waiting; refilling later', { exitCode: exit.code, signal: exit.signal, retryInMs: delay });
      this.#refillTimer = setTimeout(() => {
        this.#refillTimer = undefined;
        this.#fill();
      }, delay);
      this.#refillTimer.unref();
    });
  }

  /** WARM_UP_PINGS pings, one after the other, while the child waits (a child taken meanwhile gets no more). */
  async #warmUp(child: ChildProcess): Promise<void> {
    for (let i = 0; i < WARM_UP_PINGS; i++) {
      if (!this.#waiting.has(child)) return;
      if (!(await child.warmUp(WARM_UP_TIMEOUT_MS))) {
        if (child.alive && this.#waiting.has(child)) this.#opts.logger.debug('a prewarmed MCP server did not answer its warm-up ping', { timeoutMs: WARM_UP_TIMEOUT_MS });
        return;
      }
      this.#warm.add(child);
    }
  }

  #release(): void {
    const child = this.#waiting.values().next().value;
    if (!child) return;
    this.#waiting.delete(child);
    void child.stop();
  }
}
