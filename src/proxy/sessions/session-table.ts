import type { Logger } from '../../shared/logger.js';
import type { Capacity, CapacityUser } from '../capacity.js';
import { Reaper, type Reapable } from '../reaper.js';
import type { SessionOutcome } from '../telemetry/metrics-sink.js';

/** How a session ended: an outcome of the sessions counter other than its start or a refusal. */
export type SessionCloseCause = Exclude<SessionOutcome, 'created' | 'refused'>;

/** What a session table keeps: a 2025-era session of either transport (Streamable HTTP, legacy SSE). */
export interface TabledSession extends Reapable {
  readonly id: string;
  readonly principal: string | undefined;
  readonly pid: number | undefined;
  readonly closed: boolean;
  closeCause: SessionCloseCause | undefined;
  /** Set by the table: told once, when the session has closed. */
  onclosed?: (session: never) => void;
  close(reason: string, cause?: SessionCloseCause): Promise<void>;
}

export interface SessionTableConfig {
  /** The count under --max-sessions (capacity.ts), under which this table's sessions count as `countAs`. */
  capacity: Capacity;
  countAs: CapacityUser;
  /** A session with no client message for this long, and none in flight, is ended. */
  sessionTimeoutMs: number;
  now: () => number;
  logger: Logger;
  /** Extra fields of the table's log lines (the transport). */
  logFields?: Record<string, string>;
  /** Told of every session that starts and ends (metrics, the prewarm pool, the directory). */
  observe?: (event: 'created' | SessionCloseCause, sessionId: string) => void;
}

/**
 * The live sessions of one transport: kept by id, looked up only for the principal that created them,
 * counted under the shared limit, reaped when idle, and told of (`observe`) when they start and end.
 */
export class SessionTable<S extends TabledSession> {
  readonly #sessions = new Map<string, S>();
  readonly #cfg: SessionTableConfig;
  readonly #reaper: Reaper<S>;

  constructor(cfg: SessionTableConfig) {
    this.#cfg = cfg;
    cfg.capacity.count(cfg.countAs, () => this.#sessions.size);
    this.#reaper = new Reaper({
      items: () => this.#sessions.values(),
      idleTimeoutMs: cfg.sessionTimeoutMs,
      now: cfg.now,
      end: (session, idleMs) => {
        cfg.logger.info('idle session reaped', { session: session.id.slice(0, 8), idleMs, ...cfg.logFields });
        void session.close('session expired after inactivity', 'reaped');
      },
    });
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Keeps a new session until it closes; the observer and the log are told. */
  add(session: S): S {
    this.#sessions.set(session.id, session);
    (session as TabledSession).onclosed = () => {
      this.#sessions.delete(session.id);
      this.#cfg.observe?.(session.closeCause ?? 'deleted', session.id);
    };
    this.#cfg.observe?.('created', session.id);
    this.#cfg.logger.info('session started', { session: session.id.slice(0, 8), pid: session.pid, ...this.#cfg.logFields, sessions: this.#sessions.size });
    return session;
  }

  /** Whether a live session has this id (any principal): which server holds it, for routing only. */
  has(id: string): boolean {
    return this.#sessions.has(id);
  }

  /** The session, only for the principal that created it (another principal must not learn it exists). */
  get(id: string, principal: string | undefined): S | undefined {
    const session = this.#sessions.get(id);
    if (!session || session.closed || session.principal !== principal) return undefined;
    return session;
  }

  reap(now = this.#cfg.now()): number {
    return this.#reaper.reap(now);
  }

  async closeAll(reason: string): Promise<void> {
    this.#reaper.stop();
    await Promise.all([...this.#sessions.values()].map((s) => s.close(reason, 'shutdown')));
  }
}
