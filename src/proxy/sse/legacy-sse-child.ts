import type { Logger } from '../../shared/logger.js';
import { ChildProcess, type ChildOptions } from '../child/child-process.js';

/** Where a legacy SSE session gets its child: the same spawn path and prewarm pool as 2025 sessions. */
export interface LegacySseChildSource {
  child: Omit<ChildOptions, 'logger'>;
  /** A prewarmed, not yet initialized child, when the prewarm pool has one. */
  takeChild?: () => ChildProcess | undefined;
}

/**
 * The one place a legacy SSE session acquires its child (kept alone so the session layer's child
 * policy, e.g. --isolation, can be plugged in here): a prewarmed child when the pool has one, else a
 * fresh one through the same `ChildProcess` (and `spawn` seam) that sessions use.
 */
export function legacySseChild(source: LegacySseChildSource, logger: Logger): ChildProcess {
  const prewarmed = source.takeChild?.();
  if (prewarmed) {
    prewarmed.useLogger(logger);
    return prewarmed;
  }
  return new ChildProcess({ ...source.child, logger });
}
