import { randomBytes } from 'node:crypto';
import type { Logger } from '../../shared/logger.js';
import type { ChildProcess } from '../child/child-process.js';
import { Session, type SessionCloseCause, type SessionConfig } from './session.js';

export interface SessionManagerConfig {
  maxSessions: number;
  /** A session with no client request for this long, and none in flight, is ended. */
  sessionTimeoutMs: number;
  session: SessionConfig;
  logger: Logger;
  /** A prewarmed child for a new session, when a pool is configured. */
  takeChild?: () => ChildProcess | undefined;
  /** Told of every session that starts and ends (metrics, the prewarm pool). */
  observe?: (event: 'created' | SessionCloseCause, sessionId: string) => void;
}

/** How often to look for idle children: a quarter of the timeout, between 50 ms and 5 s. */
export function reapIntervalMs(sessionTimeoutMs: number): number {
  return Math.max(50, Math.min(5_000, Math.floor(sessionTimeoutMs / 4)));
}

/** 192 bits from the CSPRNG, base64url: visible ASCII as the spec requires. */
export function newSessionId(): string {
  return randomBytes(24).toString('base64url');
}

/** The 2025-era sessions: creation under a limit, lookup bound to the creating principal, idle reaping. */
export class SessionManager {
  readonly #sessions = new Map<string, Session>();
  readonly #cfg: SessionManagerConfig;
  readonly #reaper: NodeJS.Timeout;

  constructor(cfg: SessionManagerConfig) {
    this.#cfg = cfg;
    this.#reaper = setInterval(() => this.reap(), reapIntervalMs(cfg.sessionTimeoutMs));
    this.#reaper.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** A new session and its child, or undefined when the limit is reached. */
  create(principal: string | undefined, reserved = 0): Session | undefined {
    if (this.#sessions.size + reserved >= this.#cfg.maxSessions) return undefined;
    const session = new Session(newSessionId(), principal, this.#cfg.session, this.#cfg.takeChild?.());
    this.#sessions.set(session.id, session);
    session.onclosed = (s) => {
      this.#sessions.delete(s.id);
      this.#cfg.observe?.(s.closeCause ?? 'deleted', s.id);
    };
    this.#cfg.observe?.('created', session.id);
    this.#cfg.logger.info('session started', { session: session.id.slice(0, 8), pid: session.pid, sessions: this.#sessions.size });
    return session;
  }

  /** The session, only for the principal that created it (another principal must not learn it exists). */
  get(id: string, principal: string | undefined): Session | undefined {
    const session = this.#sessions.get(id);
    if (!session || session.closed || session.principal !== principal) return undefined;
    return session;
  }

  reap(now = this.#cfg.session.now()): number {
    let reaped = 0;
    for (const session of this.#sessions.values()) {
      if (session.busy || now - session.lastActivity < this.#cfg.sessionTimeoutMs) continue;
      reaped += 1;
      this.#cfg.logger.info('idle session reaped', { session: session.id.slice(0, 8), idleMs: now - session.lastActivity });
      void session.close('session expired after inactivity', 'reaped');
    }
    return reaped;
  }

  async closeAll(reason: string): Promise<void> {
    clearInterval(this.#reaper);
    await Promise.all([...this.#sessions.values()].map((s) => s.close(reason, 'shutdown')));
  }
}
