import type { Logger } from '../../shared/logger.js';
import { ChildProcess, type ChildOptions } from '../child/child-process.js';
import { withCallerEnv } from '../identity/caller-identity.js';

/** Where a session's child comes from: the command, and the prewarm pool when one is configured. */
export interface ChildSource {
  child: Omit<ChildOptions, 'logger'>;
  /** A prewarmed, not yet initialized child, when a pool is configured. */
  takeChild?: () => ChildProcess | undefined;
}

/**
 * The child a session starts (its own, or the shared child of its principal): a prewarmed one when the
 * pool has one and the caller brings no variables of its own (a prewarmed child was spawned before any
 * caller), else one spawned now with the caller's variables over the configured `--env`.
 */
export function childFor(source: ChildSource, childEnv: Readonly<Record<string, string>> | undefined, logger: Logger): ChildProcess {
  const ownVariables = childEnv !== undefined && Object.keys(childEnv).length > 0;
  const prewarmed = ownVariables ? undefined : source.takeChild?.();
  if (prewarmed) {
    prewarmed.useLogger(logger);
    return prewarmed;
  }
  return new ChildProcess({ ...withCallerEnv(source.child, childEnv), logger });
}
