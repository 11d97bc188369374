import type { Logger } from '../../shared/logger.js';
import type { ChildEra } from '../child/child-era-probe.js';
import { PrincipalChild, type PrincipalChildConfig } from './principal-child.js';
import { Capacity } from '../capacity.js';
import { Reaper } from '../reaper.js';
import { principalChildKey } from '../identity/child-key.js';
import type { CallerIdentity } from '../identity/caller-identity.js';

export interface PrincipalChildrenConfig extends PrincipalChildConfig {
  maxSessions: number;
  /** A child with no request for this long, and nothing open, is ended. */
  sessionTimeoutMs: number;
  /** The era of the configured command (resolved once: flag or probe). */
  era: () => Promise<ChildEra>;
  logger: Logger;
}

/**
 * Children for stateless (2026-07-28) traffic: one per principal and header values (principalChildKey;
 * all anonymous callers with the same values share one),
 * started on first use, reused, reaped when idle, and counted against `maxSessions` together with the
 * 2025-era sessions in one Capacity (capacity.ts), which the server shares with its session manager.
 */
export class PrincipalChildren {
  /** Keyed by principalChildKey (identity/child-key.ts). */
  readonly #children = new Map<string, PrincipalChild>();
  readonly #starting = new Map<string, Promise<PrincipalChild | undefined>>();
  readonly #cfg: PrincipalChildrenConfig;
  readonly #reaper: Reaper<PrincipalChild>;
  /** Sessions + principal children under --max-sessions; the server counts its sessions here too. */
  readonly capacity: Capacity;
  #closed = false;

  constructor(cfg: PrincipalChildrenConfig) {
    this.#cfg = cfg;
    this.capacity = new Capacity(cfg.maxSessions);
    this.capacity.count('principals', () => this.size);
    this.#reaper = new Reaper({
      items: () => this.#children.values(),
      idleTimeoutMs: cfg.sessionTimeoutMs,
      now: () => cfg.now(),
      end: (child, idleMs) => {
        this.#cfg.logger.info('idle principal child reaped', { pid: child.pid, idleMs });
        void child.close('principal child expired after inactivity');
      },
    });
  }

  /** Children with a request in flight: what a drain waits for (an idle principal holds no work). */
  get busyCount(): number {
    let n = 0;
    for (const child of this.#children.values()) if (child.busy) n += 1;
    return n;
  }

  get size(): number {
    return this.#children.size + this.#starting.size;
  }

  /** Counts the 2025-era sessions against the same limit (startProxy does so through `capacity`). */
  countAlso(sessions: () => number): void {
    this.capacity.count('sessions', sessions);
  }

  /**
   * The caller's child, started on first use; undefined when the limit is reached or closing. `identity`
   * (caller-identity.ts) picks the child by its key and gives a new one its variables; without it, the
   * principal alone is the key.
   */
  get(principal: string | undefined, identity?: CallerIdentity): Promise<PrincipalChild | undefined> {
    const key = identity?.key ?? principalChildKey(principal, {});
    const existing = this.#children.get(key);
    if (existing && !existing.closed) return Promise.resolve(existing);
    const starting = this.#starting.get(key);
    if (starting) return starting;
    if (this.#closed || !this.capacity.hasRoom) return Promise.resolve(undefined);
    const start = this.#cfg.era().finally(() => this.#starting.delete(key)).then((era) => {
      if (this.#closed) return undefined;
      const child = new PrincipalChild(principal, era, this.#cfg, identity?.env);
      this.#children.set(key, child);
      child.onclosed = (c) => {
        if (this.#children.get(key) === c) this.#children.delete(key);
      };
      this.#cfg.logger.info('principal child started', { pid: child.pid, era, children: this.#children.size });
      return child;
    });
    this.#starting.set(key, start);
    return start;
  }

  reap(now = this.#cfg.now()): number {
    return this.#reaper.reap(now);
  }

  async closeAll(reason: string): Promise<void> {
    this.#closed = true;
    this.#reaper.stop();
    await Promise.all([...this.#starting.values()]);
    await Promise.all([...this.#children.values()].map((c) => c.close(reason)));
  }
}
