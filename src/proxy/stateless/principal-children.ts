import type { Logger } from '../../shared/logger.js';
import type { ChildEra } from '../child/child-era-probe.js';
import { PrincipalChild, type PrincipalChildConfig } from './principal-child.js';
import { reapIntervalMs } from '../sessions/session-manager.js';

export interface PrincipalChildrenConfig extends PrincipalChildConfig {
  maxSessions: number;
  /** A child with no request for this long, and nothing open, is ended. */
  sessionTimeoutMs: number;
  /** The era of the configured command (resolved once: flag or probe). */
  era: () => Promise<ChildEra>;
  logger: Logger;
}

/**
 * Children for stateless (2026-07-28) traffic: one per principal (all anonymous callers share one),
 * started on first use, reused, reaped when idle, and counted against `maxSessions` together with the
 * 2025-era sessions (`reserved`).
 */
export class PrincipalChildren {
  readonly #children = new Map<string | undefined, PrincipalChild>();
  readonly #starting = new Map<string | undefined, Promise<PrincipalChild | undefined>>();
  readonly #cfg: PrincipalChildrenConfig;
  readonly #reaper: NodeJS.Timeout;
  #reserved: () => number = () => 0;
  #closed = false;

  constructor(cfg: PrincipalChildrenConfig) {
    this.#cfg = cfg;
    this.#reaper = setInterval(() => this.reap(), reapIntervalMs(cfg.sessionTimeoutMs));
    this.#reaper.unref();
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

  /** Counts other capacity users (the 2025-era sessions) against the same limit. */
  countAlso(reserved: () => number): void {
    this.#reserved = reserved;
  }

  /** The principal's child, started on first use; undefined when the limit is reached or closing. */
  get(principal: string | undefined): Promise<PrincipalChild | undefined> {
    const existing = this.#children.get(principal);
    if (existing && !existing.closed) return Promise.resolve(existing);
    const starting = this.#starting.get(principal);
    if (starting) return starting;
    if (this.#closed || this.size + this.#reserved() >= this.#cfg.maxSessions) return Promise.resolve(undefined);
    const start = this.#cfg.era().finally(() => this.#starting.delete(principal)).then((era) => {
      if (this.#closed) return undefined;
      const child = new PrincipalChild(principal, era, this.#cfg);
      this.#children.set(principal, child);
      child.onclosed = (c) => {
        if (this.#children.get(principal) === c) this.#children.delete(principal);
      };
      this.#cfg.logger.info('principal child started', { pid: child.pid, era, children: this.#children.size });
      return child;
    });
    this.#starting.set(principal, start);
    return start;
  }

  reap(now = this.#cfg.now()): number {
    let reaped = 0;
    for (const child of this.#children.values()) {
      if (child.busy || now - child.lastActivity < this.#cfg.sessionTimeoutMs) continue;
      reaped += 1;
      this.#cfg.logger.info('idle principal child reaped', { pid: child.pid, idleMs: now - child.lastActivity });
      void child.close('principal child expired after inactivity');
    }
    return reaped;
  }

  async closeAll(reason: string): Promise<void> {
    this.#closed = true;
    clearInterval(this.#reaper);
    await Promise.all([...this.#starting.values()]);
    await Promise.all([...this.#children.values()].map((c) => c.close(reason)));
  }
}
