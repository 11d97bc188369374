import type { ServerResponse } from 'node:http';
import type { Logger } from '../../shared/logger.js';
import type { Capacity } from '../capacity.js';
import { newSessionId } from '../sessions/session-manager.js';
import type { AcquirePeer } from '../sessions/session-peer.js';
import type { CallerIdentity } from '../identity/caller-identity.js';
import { LegacySseSession, type LegacySseSessionConfig } from './legacy-sse-session.js';
import { SessionTable, type SessionCloseCause } from '../sessions/session-table.js';

export interface LegacySseSessionsConfig {
  /** The count under --max-sessions shared with 2025 sessions and principal children (capacity.ts). */
  capacity: Capacity;
  /** A session with no client message for this long, and none in flight, is ended (its connection closed). */
  sessionTimeoutMs: number;
  /** How a session obtains its peer: the same seam (and isolation mode) as Streamable HTTP sessions. */
  acquirePeer: AcquirePeer;
  session: Omit<LegacySseSessionConfig, 'logger'>;
  logger: Logger;
  /** Told of every session that starts and ends (metrics, the prewarm pool). */
  observe?: (event: 'created' | SessionCloseCause, sessionId: string) => void;
}

/** The legacy HTTP+SSE sessions: creation under the shared limit, lookup bound to the creating principal, idle reaping. */
export class LegacySseSessions {
  readonly #cfg: LegacySseSessionsConfig;
  readonly #table: SessionTable<LegacySseSession>;

  constructor(cfg: LegacySseSessionsConfig) {
    this.#cfg = cfg;
    this.#table = new SessionTable({
      capacity: cfg.capacity, countAs: 'sse-sessions', sessionTimeoutMs: cfg.sessionTimeoutMs, now: () => cfg.session.now(),
      logger: cfg.logger, logFields: { transport: 'sse' }, ...(cfg.observe ? { observe: cfg.observe } : {}),
    });
  }

  get size(): number {
    return this.#table.size;
  }

  /**
   * A new session with its child, streaming on `res`; undefined when the shared limit is reached.
   * `caller`: the caller's variables for its child and that child's key (identity/).
   */
  create(principal: string | undefined, res: ServerResponse, caller?: CallerIdentity): LegacySseSession | undefined {
    if (!this.#cfg.capacity.hasRoom) return undefined;
    const id = newSessionId();
    const logger = this.#cfg.logger.child({ session: id.slice(0, 8), transport: 'sse' });
    const peer = this.#cfg.acquirePeer({ sessionId: id, principal, logger, ...(caller ? { childEnv: caller.env, childKey: caller.key } : {}) });
    return this.#table.add(new LegacySseSession(id, principal, res, peer, { ...this.#cfg.session, logger }));
  }

  /** Whether a live session has this id (any principal): which server holds it, for routing only. */
  has(id: string): boolean {
    return this.#table.has(id);
  }

  /** The session, only for the principal that opened it (another principal must not learn it exists). */
  get(id: string, principal: string | undefined): LegacySseSession | undefined {
    return this.#table.get(id, principal);
  }

  reap(now?: number): number {
    return this.#table.reap(now);
  }

  closeAll(reason: string): Promise<void> {
    return this.#table.closeAll(reason);
  }
}
