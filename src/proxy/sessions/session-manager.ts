import { randomBytes } from 'node:crypto';
import type { Logger } from '../../shared/logger.js';
import type { ChildProcess } from '../child/child-process.js';
import { Capacity } from '../capacity.js';
import { Reaper } from '../reaper.js';
import { Session, type SessionCloseCause, type SessionConfig } from './session.js';
import type { CallerIdentity } from '../identity/caller-identity.js';
import { ownChildPeers } from './acquire-peer.js';
import type { AcquirePeer } from './session-peer.js';

export interface SessionManagerConfig {
  maxSessions: number;
  /** The count shared with the principal children (capacity.ts); by default the sessions count alone. */
  capacity?: Capacity;
  /** A session with no client request for this long, and none in flight, is ended. */
  sessionTimeoutMs: number;
  session: SessionConfig;
  logger: Logger;
  /** A prewarmed child for a new session, when a pool is configured. */
  takeChild?: () => ChildProcess | undefined;
  /** How a session obtains its peer link (acquire-peer.ts); default: a child of its own. */
  acquirePeer?: AcquirePeer;
  /** Told of every session that starts and ends (metrics, the prewarm pool). */
  observe?: (event: 'created' | SessionCloseCause, sessionId: string) => void;
}

/** 192 bits from the CSPRNG, base64url: visible ASCII as the spec requires. */
export function newSessionId(): string {
  return randomBytes(24).toString('base64url');
}

/** The 2025-era sessions: creation under a limit, lookup bound to the creating principal, idle reaping. */
export class SessionManager {
  readonly #sessions = new Map<string, Session>();
  readonly #cfg: SessionManagerConfig;
  readonly #capacity: Capacity;
  readonly #reaper: Reaper<Session>;
  /** How a session obtains its peer link: the seam another edge takes to run a child the way sessions do. */
  readonly acquirePeer: AcquirePeer;

  constructor(cfg: SessionManagerConfig) {
    this.#cfg = cfg;
    this.acquirePeer = cfg.acquirePeer ?? ownChildPeers({ child: cfg.session.child, ...(cfg.takeChild ? { takeChild: cfg.takeChild } : {}) });
    this.#capacity = cfg.capacity ?? new Capacity(cfg.maxSessions);
    this.#capacity.count('sessions', () => this.#sessions.size);
    this.#reaper = new Reaper({
      items: () => this.#sessions.values(),
      idleTimeoutMs: cfg.sessionTimeoutMs,
      now: () => cfg.session.now(),
      end: (session, idleMs) => {
        this.#cfg.logger.info('idle session reaped', { session: session.id.slice(0, 8), idleMs });
        void session.close('session expired after inactivity', 'reaped');
      },
    });
  }

  get size(): number {
    return this.#sessions.size;
  }

  /**
   * A new session and its child, or undefined when the limit (shared with the principal children) is
   * reached. `caller` (the caller's identity for the child: its variables and the key of the child it may
   * share) is only for a child spawned for it: a session with one never takes a prewarmed child.
   */
  create(principal: string | undefined, caller?: CallerIdentity): Session | undefined {
    if (!this.#capacity.hasRoom) return undefined;
    const session = new Session(newSessionId(), principal, this.#cfg.session, this.acquirePeer, caller);
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
    return this.#reaper.reap(now);
  }

  async closeAll(reason: string): Promise<void> {
    this.#reaper.stop();
    await Promise.all([...this.#sessions.values()].map((s) => s.close(reason, 'shutdown')));
  }
}
