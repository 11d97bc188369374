import type { JsonRpcId, JsonRpcMessage, JsonRpcRequest } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import type { Link } from '../link.js';

export type { Call, Exchange } from '../mux.js';
import type { Exchange } from '../mux.js';

export interface RelayOptions {
  /** The 2025-era or modern peer (a child process, a remote); its owner feeds what it writes to `fromPeer`. */
  peer: Link<never>;
  /** A request the peer has not answered in this long fails with REQUEST_TIMEOUT, -32010 (progress resets it). */
  requestTimeoutMs: number;
  /** How long a call waiting for the client's `input_required` retry is kept (default: requestTimeoutMs). */
  inputTimeoutMs?: number;
  logger?: Logger;
  /**
   * The protocol versions the endpoint serves, advertised in `server/discover` (the proxy: 2026-07-28
   * and the 2025 revisions, as in its `-32022` error). Default: 2026-07-28 only; a modern child's own
   * list is kept when unset.
   */
  supportedVersions?: readonly string[];
}

/**
 * A modern (2026-07-28) client's view of one peer: requests in, related messages out. Both
 * implementations are `edge exchanges ⇄ translator ⇄ Mux ⇄ peer link`.
 */
export interface ModernRelay {
  /** Starts one client request (already validated as 2026-07-28); returns a cancel function (client gone). */
  open(request: JsonRpcRequest, exchange: Exchange): () => void;
  /** Feeds one message the peer wrote. */
  fromPeer(message: JsonRpcMessage): void;
  /** Ends everything in flight with this error (the peer ended, shutting down). */
  close(code: number, message: string, data?: unknown): void;
  /** True while a request, a parked `input_required` call or a listen stream is open. */
  readonly busy: boolean;
}

export type { JsonRpcId, JsonRpcMessage, JsonRpcRequest };
