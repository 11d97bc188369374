import { ChildProcess, type ChildOptions } from '../child/child-process.js';
import { ChildPeer } from './child-peer.js';
import type { AcquirePeer } from './session-peer.js';
import { SharedChildren } from './shared-children.js';
import type { Isolation } from '../proxy-options.js';
import type { Logger } from '../../shared/logger.js';

export interface OwnChildConfig {
  child: Omit<ChildOptions, 'logger'>;
  /** A prewarmed, not yet initialized child, when a pool is configured. */
  takeChild?: () => ChildProcess | undefined;
}

/**
 * `--isolation session`: every session gets a child of its own, a prewarmed one when the pool has
 * one (and the session needs no child variables of its own), else one spawned now.
 */
export function ownChildPeers(cfg: OwnChildConfig): AcquirePeer {
  return (context) => {
    const extraEnv = context.childEnv !== undefined && Object.keys(context.childEnv).length > 0 ? context.childEnv : undefined;
    const prewarmed = extraEnv ? undefined : cfg.takeChild?.();
    prewarmed?.useLogger(context.logger);
    const env = extraEnv ? { ...cfg.child.env, ...extraEnv } : cfg.child.env;
    const child = prewarmed ?? new ChildProcess({ ...cfg.child, env, logger: context.logger });
    return new ChildPeer(child, context.logger);
  };
}

/**
 * The seam for `--isolation`: `session` gives each session a child of its own, `principal` gives it
 * its share of the child of its principal (shared-children.ts).
 */
export function acquirePeerFor(isolation: Isolation, cfg: OwnChildConfig & { logger: Logger }): AcquirePeer {
  if (isolation === 'session') return ownChildPeers(cfg);
  const shared = new SharedChildren(cfg);
  return (context) => shared.acquire(context);
}
