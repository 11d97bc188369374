import { LegacyClientOnModernPeer } from '../../relay/eras/legacy-client-on-modern-peer.js';
import { LEGACY_PROTOCOL_VERSIONS } from '../../relay/eras/protocol.js';
import { isRequest, isResponse, type JsonRpcMessage, type JsonRpcRequest } from '../../shared/jsonrpc.js';
import type { ChildExit, ChildProcess } from '../child/child-process.js';
import type { Logger } from '../../shared/logger.js';
import { isModernOnlyRejection } from './session-era.js';
import type { SessionPeer } from './session-peer.js';

/**
 * One child process as the peer link of one 2025-era client (a session, or the mux of a shared child).
 * Messages pass unchanged, until the child answers the client's `initialize` as a modern-only server
 * (`isModernOnlyRejection`): then a `LegacyClientOnModernPeer` is put between the two, the rejection
 * is swallowed and the `initialize` replayed to the translator, which answers it from the child's
 * `server/discover`. From then on the translator's output is what `onmessage` receives.
 */
export class ChildPeer implements SessionPeer {
  onmessage?: (message: JsonRpcMessage, line?: string) => void;
  readonly ended: Promise<ChildExit>;
  readonly #child: ChildProcess;
  readonly #log: Logger;
  /** The client's `initialize`, kept until the child answers it (the translator replays it). */
  #initialize: JsonRpcRequest | undefined;
  /** Set once the child turned out to be modern-only; undefined on the (unchanged) relay path. */
  #adapter: LegacyClientOnModernPeer | undefined;
  constructor(child: ChildProcess, logger: Logger) {
    this.#child = child;
    this.#log = logger;
    child.onmessage = (m, line) => this.#fromChild(m, line);
    this.ended = child.exited;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Whether the child turned out to be modern-only (the translator is in place). */
  get adapted(): boolean {
    return this.#adapter !== undefined;
  }

  send(message: JsonRpcMessage): boolean {
    if (this.#adapter) return this.#adapter.send(message);
    if (isRequest(message) && message.method === 'initialize') this.#initialize = message;
    return this.#child.send(message);
  }

  sendLine(message: JsonRpcMessage, line: string): boolean {
    if (this.#adapter || (isRequest(message) && message.method === 'initialize')) return this.send(message);
    return this.#child.sendLine(message, line);
  }

  fail(code: number, message: string): void {
    this.#adapter?.fail(code, message);
  }

  async close(): Promise<ChildExit> {
    return this.#child.stop();
  }

  #fromChild(message: JsonRpcMessage, line?: string): void {
    if (this.#initialize !== undefined && isResponse(message) && message.id === this.#initialize.id) {
      const request = this.#initialize;
      this.#initialize = undefined;
      if (isModernOnlyRejection(message)) return this.#adapt(request);
    }
    this.onmessage?.(message, line);
  }

  /**
   * The child serves only 2026-07-28: put the era translator between client and child and replay the
   * `initialize` to it (the still in-flight request is answered from the child's `server/discover`).
   */
  #adapt(initialize: JsonRpcRequest): void {
    this.#log.info('the MCP server speaks only 2026-07-28: this session goes through the era adapter');
    const adapter = new LegacyClientOnModernPeer({ peer: this.#child, legacyVersions: LEGACY_PROTOCOL_VERSIONS });
    adapter.onmessage = (m) => this.onmessage?.(m);
    this.#adapter = adapter;
    this.#child.onmessage = (m) => adapter.fromPeer(m);
    adapter.send(initialize);
  }
}
