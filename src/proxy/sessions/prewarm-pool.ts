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
}

/**
 * Children spawned ahead of sessions, not yet initialized, so a new session skips the server's start-up
 * time. A child is taken by exactly one session and never returns; the pool refills in the background,
 * only while capacity is left, and gives children back first when the limit is near.
 */
export class PrewarmPool {
  readonly #opts: PrewarmPoolOptions;
  readonly #waiting = new Set<ChildProcess>();
  #closed = false;
  #refillTimer: NodeJS.Timeout | undefined;
  #failures = 0;

  constructor(opts: PrewarmPoolOptions) {
    this.#opts = opts;
    this.refill();
  }

  get size(): number {
    return this.#waiting.size;
  }

  /** A waiting, live child for a new session, or undefined. Refills behind it. */
  take(): ChildProcess | undefined {
    for (const child of this.#waiting) {
      this.#waiting.delete(child);
      if (!child.alive) continue;
      this.#failures = 0;
      queueMicrotask(() => this.refill());
      return child;
    }
    return undefined;
  }

  /** Tops the pool up to its size within the capacity left, and ends waiting children beyond it. */
  refill(): void {
    if (this.#closed) return;
    const plan = poolPlan(this.#opts.capacityLeft(), this.#waiting.size, this.#opts.size);
    for (let i = 0; i < plan.release; i++) this.#release();
    if (this.#refillTimer !== undefined) return;
    for (let i = 0; i < plan.spawn; i++) this.#spawn();
  }

  async closeAll(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#refillTimer);
    const children = [...this.#waiting];
    this.#waiting.clear();
    await Promise.all(children.map((c) => c.stop()));
  }

  #spawn(): void {
    const child = new ChildProcess({ ...this.#opts.child, logger: this.#opts.logger.child({ prewarmed: true }) });
    this.#waiting.add(child);
    void child.exited.then((exit) => {
      if (!this.#waiting.delete(child) || this.#closed) return; // taken, released or closing
      this.#failures += 1;
      const delay = Math.min(30_000, (this.#opts.retryDelayMs ?? 1_000) * 2 ** Math.min(this.#failures - 1, 5));
      this.#opts.logger.warn('a prewarmed MCP server exited while waiting; refilling later', { exitCode: exit.code, signal: exit.signal, retryInMs: delay });
      this.#refillTimer = setTimeout(() => {
        this.#refillTimer = undefined;
        this.refill();
      }, delay);
      this.#refillTimer.unref();
    });
  }

  #release(): void {
    const child = this.#waiting.values().next().value;
    if (!child) return;
    this.#waiting.delete(child);
    void child.stop();
  }
}
