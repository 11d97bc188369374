import { ChildPeer } from './child-peer.js';
import { childFor, type ChildSource } from './session-child.js';
import type { AcquirePeer } from './session-peer.js';
import { SharedChildren } from './shared-children.js';
import type { Isolation } from '../proxy-options.js';
import type { Logger } from '../../shared/logger.js';

/**
 * `--isolation session`: every session gets a child of its own, a prewarmed one when the pool has
 * one (and the session needs no child variables of its own), else one spawned now.
 */
export function ownChildPeers(source: ChildSource): AcquirePeer {
  return (context) => new ChildPeer(childFor(source, context.childEnv, context.logger), context.logger);
}

/**
 * The seam for `--isolation`: `session` gives each session a child of its own, `principal` gives it
 * its share of the child of its principal (shared-children.ts).
 */
export function acquirePeerFor(isolation: Isolation, cfg: ChildSource & { logger: Logger }): AcquirePeer {
  if (isolation === 'session') return ownChildPeers(cfg);
  const shared = new SharedChildren(cfg);
  return (context) => shared.acquire(context);
}
