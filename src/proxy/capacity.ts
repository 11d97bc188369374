/**
 * The one count of what --max-sessions limits: 2025-era sessions (legacy SSE ones included) and 2026-07-28 principal children
 * (started or starting). The prewarm pool fills only what is left of it, so it never holds a child a
 * session or principal would need.
 */
export type CapacityUser = 'sessions' | 'principals' | 'sse-sessions';

/** Room left under `max` when `used` are taken; never negative. */
export function roomLeft(max: number, used: number): number {
  return Math.max(0, max - used);
}

/** What the pool does to fit: release waiting children beyond the room, spawn up to its target within it. */
export function poolPlan(room: number, waiting: number, target: number): { release: number; spawn: number } {
  const release = Math.max(0, waiting - room);
  const kept = waiting - release;
  return { release, spawn: Math.max(0, Math.min(target, room) - kept) };
}

export class Capacity {
  readonly max: number;
  readonly #users = new Map<CapacityUser, () => number>();

  constructor(max: number) {
    this.max = max;
  }

  /** Counts `user` by `size` (a second registration of the same user replaces the first). */
  count(user: CapacityUser, size: () => number): void {
    this.#users.set(user, size);
  }

  get used(): number {
    let used = 0;
    for (const size of this.#users.values()) used += size();
    return used;
  }

  get left(): number {
    return roomLeft(this.max, this.used);
  }

  /** Whether one more session or principal child may start. */
  get hasRoom(): boolean {
    return this.left > 0;
  }
}
