import { INTERNAL_ERROR, type JsonRpcRequest } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import { ModernClientOnLegacyPeer } from '../../relay/eras/modern-client-on-legacy-peer.js';
import { ModernPassthrough } from '../../relay/eras/modern-passthrough.js';
import type { Exchange, ModernRelay } from '../../relay/eras/relay-types.js';
import { supportedVersions } from '../../relay/eras/supported-versions.js';
import { describeExit, exitErrorData } from '../child/child-exit.js';
import { ChildProcess, type ChildExit, type ChildOptions } from '../child/child-process.js';
import type { ChildEra } from '../child/child-era-probe.js';
import { withCallerEnv } from '../identity/caller-identity.js';
import { filterToolsListAnswer, hiddenToolCallAnswer, toolVisibility, type ToolFilterRules, type ToolVisibility } from '../../relay/tool-filter.js';

export interface PrincipalChildConfig {
  child: Omit<ChildOptions, 'logger'>;
  requestTimeoutMs: number;
  /** --allow-tools / --deny-tools, applied at the client side of the relay (after any era translation). */
  toolFilter?: ToolFilterRules;
  logger: Logger;
  now: () => number;
}

/**
 * The child serving one principal's 2026-07-28 traffic: one process, and the relay for its era
 * (pass-through multiplexing for a modern child, the era adapter for a 2025-era one).
 */
export class PrincipalChild {
  readonly principal: string | undefined;
  readonly era: ChildEra;
  lastActivity: number;
  onclosed?: (child: PrincipalChild) => void;
  readonly #cfg: PrincipalChildConfig;
  readonly #log: Logger;
  readonly #child: ChildProcess;
  readonly #relay: ModernRelay;
  readonly #visible: ToolVisibility | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  /** `callerEnv`: the variables of the caller this child serves (its first request's; identity/), set at spawn. */
  constructor(principal: string | undefined, era: ChildEra, cfg: PrincipalChildConfig, callerEnv?: Readonly<Record<string, string>>) {
    this.principal = principal;
    this.era = era;
    this.#cfg = cfg;
    this.lastActivity = cfg.now();
    this.#log = cfg.logger.child({ principalChild: principal === undefined ? 'anonymous' : 'authenticated', era });
    this.#child = new ChildProcess({ ...withCallerEnv(cfg.child, callerEnv), logger: this.#log });
    this.#visible = cfg.toolFilter ? toolVisibility(cfg.toolFilter) : undefined;
    const relayOpts = { peer: this.#child, requestTimeoutMs: cfg.requestTimeoutMs, logger: this.#log, supportedVersions: supportedVersions(true) };
    this.#relay = era === 'modern' ? new ModernPassthrough(relayOpts) : new ModernClientOnLegacyPeer(relayOpts);
    this.#child.onmessage = (m) => {
      this.lastActivity = cfg.now();
      this.#relay.fromPeer(m);
    };
    void this.#child.exited.then((exit) => this.#onExit(exit));
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get busy(): boolean {
    return this.#relay.busy;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Serves one client request; returns the closer to call when the client goes away. */
  open(request: JsonRpcRequest, exchange: Exchange): () => void {
    this.lastActivity = this.#cfg.now();
    const visible = this.#visible;
    if (visible) {
      // The tool filter: a hidden tool's call is answered here (as an unknown tool), a listing loses it.
      const hidden = hiddenToolCallAnswer(visible, request);
      if (hidden) {
        exchange.deliver(hidden);
        return () => undefined;
      }
      if (request.method === 'tools/list') {
        const client = exchange;
        exchange = { id: client.id, deliver: (m) => client.deliver(filterToolsListAnswer(visible, m)) };
      }
    }
    return this.#relay.open(request, exchange);
  }

  close(reason: string): Promise<void> {
    if (this.#closed) return this.#closing ?? Promise.resolve();
    this.#closed = true;
    this.#relay.close(INTERNAL_ERROR, reason);
    this.#closing = (async () => {
      const exit = await this.#child.stop();
      this.#log.debug('principal child closed', { reason, exitCode: exit.code, signal: exit.signal });
      this.onclosed?.(this);
    })();
    return this.#closing;
  }

  #onExit(exit: ChildExit): void {
    if (this.#closed) return;
    const message = describeExit(this.#cfg.child.command, exit);
    this.#log.warn(message, { exitCode: exit.code, signal: exit.signal });
    this.#relay.close(INTERNAL_ERROR, message, exitErrorData(exit));
    void this.close(message);
  }
}
