/** The one idle reaper, for 2025-era sessions and 2026-07-28 principal children alike. */

export interface Reapable {
  /** Something is in flight or open: never reaped. */
  readonly busy: boolean;
  /** When the last client request arrived (the clock of `now`). */
  readonly lastActivity: number;
}

/** How often to look for idle children: a quarter of the timeout, between 50 ms and 5 s. */
export function reapIntervalMs(idleTimeoutMs: number): number {
  return Math.max(50, Math.min(5_000, Math.floor(idleTimeoutMs / 4)));
}

/** Those of `items` idle for `idleTimeoutMs` or longer at `now`, and not busy. */
export function idleOnes<T extends Reapable>(items: Iterable<T>, now: number, idleTimeoutMs: number): T[] {
  const idle: T[] = [];
  for (const item of items) if (!item.busy && now - item.lastActivity >= idleTimeoutMs) idle.push(item);
  return idle;
}

/** Every reap interval, ends what has been idle too long; `end` is told each item and how long it idled. */
export class Reaper<T extends Reapable> {
  readonly #timer: NodeJS.Timeout;
  readonly #items: () => Iterable<T>;
  readonly #idleTimeoutMs: number;
  readonly #end: (item: T, idleMs: number) => void;
  readonly #now: () => number;

  constructor(opts: { items: () => Iterable<T>; idleTimeoutMs: number; now: () => number; end: (item: T, idleMs: number) => void }) {
    this.#items = opts.items;
    this.#idleTimeoutMs = opts.idleTimeoutMs;
    this.#end = opts.end;
    this.#now = opts.now;
    this.#timer = setInterval(() => this.reap(), reapIntervalMs(opts.idleTimeoutMs));
    this.#timer.unref();
  }

  /** Ends the idle ones now; returns how many. */
  reap(now = this.#now()): number {
    const idle = idleOnes(this.#items(), now, this.#idleTimeoutMs);
    for (const item of idle) this.#end(item, now - item.lastActivity);
    return idle.length;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
