import { randomBytes } from 'node:crypto';
import type { Logger } from '../../shared/logger.js';
import type { ChildProcess } from '../child/child-process.js';
import { Capacity } from '../capacity.js';
import { Session, type SessionConfig } from './session.js';
import { SessionTable, type SessionCloseCause } from './session-table.js';
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
  readonly #cfg: SessionManagerConfig;
  readonly #capacity: Capacity;
  readonly #table: SessionTable<Session>;
  /** How a session obtains its peer link: the seam another edge takes to run a child the way sessions do. */
  readonly acquirePeer: AcquirePeer;

  constructor(cfg: SessionManagerConfig) {
    this.#cfg = cfg;
    this.acquirePeer = cfg.acquirePeer ?? ownChildPeers({ child: cfg.session.child, ...(cfg.takeChild ? { takeChild: cfg.takeChild } : {}) });
    this.#capacity = cfg.capacity ?? new Capacity(cfg.maxSessions);
    this.#table = new SessionTable({
      capacity: this.#capacity, countAs: 'sessions', sessionTimeoutMs: cfg.sessionTimeoutMs, now: () => cfg.session.now(),
      logger: cfg.logger, ...(cfg.observe ? { observe: cfg.observe } : {}),
    });
  }

  get size(): number {
    return this.#table.size;
  }

  /**
   * A new session and its child, or undefined when the limit (shared with the principal children) is
   * reached. `caller` (the caller's identity for the child: its variables and the key of the child it may
   * share) is only for a child spawned for it: a session with one never takes a prewarmed child.
   */
  create(principal: string | undefined, caller?: CallerIdentity): Session | undefined {
    if (!this.#capacity.hasRoom) return undefined;
    return this.#table.add(new Session(newSessionId(), principal, this.#cfg.session, this.acquirePeer, caller));
  }

  /** The session, only for the principal that created it (another principal must not learn it exists). */
  get(id: string, principal: string | undefined): Session | undefined {
    return this.#table.get(id, principal);
  }

  reap(now?: number): number {
    return this.#table.reap(now);
  }

  closeAll(reason: string): Promise<void> {
    return this.#table.closeAll(reason);
  }
}
