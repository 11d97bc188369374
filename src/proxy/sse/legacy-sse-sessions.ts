import type { ServerResponse } from 'node:http';
import type { Logger } from '../../shared/logger.js';
import { Capacity } from '../capacity.js';
import { Reaper } from '../reaper.js';
import { newSessionId } from '../sessions/session-manager.js';
import type { AcquirePeer } from '../sessions/session-peer.js';
import type { CallerIdentity } from '../identity/caller-identity.js';
import { LegacySseSession, type LegacySseSessionConfig, type SessionCloseCause } from './legacy-sse-session.js';

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
  readonly #sessions = new Map<string, LegacySseSession>();
  readonly #cfg: LegacySseSessionsConfig;
  readonly #reaper: Reaper<LegacySseSession>;

  constructor(cfg: LegacySseSessionsConfig) {
    this.#cfg = cfg;
    cfg.capacity.count('sse-sessions', () => this.#sessions.size);
    this.#reaper = new Reaper({
      items: () => this.#sessions.values(),
      idleTimeoutMs: cfg.sessionTimeoutMs,
      now: () => cfg.session.now(),
      end: (session, idleMs) => {
        this.#cfg.logger.info('idle session reaped', { session: session.id.slice(0, 8), idleMs, transport: 'sse' });
        void session.close('session expired after inactivity', 'reaped');
      },
    });
  }

  get size(): number {
    return this.#sessions.size;
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
    const session = new LegacySseSession(id, principal, res, peer, { ...this.#cfg.session, logger });
    this.#sessions.set(id, session);
    session.onclosed = (s) => {
      this.#sessions.delete(s.id);
      this.#cfg.observe?.(s.closeCause ?? 'deleted', s.id);
    };
    this.#cfg.observe?.('created', id);
    this.#cfg.logger.info('session started', { session: id.slice(0, 8), pid: session.pid, transport: 'sse', sessions: this.#sessions.size });
    return session;
  }

  /** Whether a live session has this id (any principal): which server holds it, for routing only. */
  has(id: string): boolean {
    return this.#sessions.has(id);
  }

  /** The session, only for the principal that opened it (another principal must not learn it exists). */
  get(id: string, principal: string | undefined): LegacySseSession | undefined {
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
