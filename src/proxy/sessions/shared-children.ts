import type { Logger } from '../../shared/logger.js';
import { ChildPeer } from './child-peer.js';
import { childFor, type ChildSource } from './session-child.js';
import type { PeerContext, SessionPeer } from './session-peer.js';
import { sharedChildKey } from './shared-child-key.js';
import { SharedChild } from './shared-child.js';

export interface SharedChildrenConfig extends ChildSource {
  logger: Logger;
}

/**
 * `--isolation principal`: the children shared by the 2025-era sessions of each principal, keyed by
 * `sharedChildKey`. A principal's first session starts its child; the next ones join it; the child
 * ends with its last session (each session still ends as it does alone: DELETE, idle reaping, the
 * proxy stopping). Not counted under --max-sessions: the sessions on it are.
 */
export class SharedChildren {
  readonly #children = new Map<string, SharedChild>();
  readonly #cfg: SharedChildrenConfig;

  constructor(cfg: SharedChildrenConfig) {
    this.#cfg = cfg;
  }

  /** Running shared children. */
  get size(): number {
    return this.#children.size;
  }

  acquire(context: PeerContext): SessionPeer {
    const key = sharedChildKey(context.principal, context.childKey);
    let shared = this.#children.get(key);
    if (!shared?.joinable) {
      shared = this.#start(key, context.principal, context.childEnv);
      this.#children.set(key, shared);
    }
    const link = shared.attach();
    context.logger.info('session joined a shared child', { pid: shared.pid, sessions: shared.sessions });
    return link;
  }

  /** `childEnv`: the first session's caller variables (the later ones share its key: same header values). */
  #start(key: string, principal: string | undefined, childEnv: Record<string, string> | undefined): SharedChild {
    const log = this.#cfg.logger.child({ sharedChild: principal === undefined ? 'anonymous' : 'authenticated' });
    const shared = new SharedChild(key, new ChildPeer(childFor(this.#cfg, childEnv, log), log), this.#cfg.child.command, log);
    shared.onended = (s) => {
      if (this.#children.get(key) === s) this.#children.delete(key);
    };
    log.info('shared child started', { pid: shared.pid, children: this.#children.size + 1 });
    return shared;
  }
}
