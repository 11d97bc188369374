import type { JsonRpcId, JsonRpcMessage, JsonRpcRequest } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import type { Envelope } from './protocol.js';

/**
 * One client request being served: the transport side (an HTTP exchange in the proxy, a stdio id in
 * the client bridge). `deliver` takes related notifications and then exactly one response, which ends
 * the exchange.
 */
export interface Exchange {
  readonly id: JsonRpcId;
  deliver(message: JsonRpcMessage): void;
}

export interface RelayOptions {
  /** Writes one message to the 2025-era or modern peer ("the child"); false when it is gone. */
  sendToChild(message: JsonRpcMessage): boolean;
  /** A request the child has not answered in this long fails with REQUEST_TIMEOUT, -32010 (progress resets it). */
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

/** A modern (2026-07-28) client's view of one child: requests in, related messages out. */
export interface ModernRelay {
  /** Starts one client request (already validated as 2026-07-28); returns a cancel function (client gone). */
  open(request: JsonRpcRequest, exchange: Exchange): () => void;
  /** Feeds one message the child wrote. */
  fromChild(message: JsonRpcMessage): void;
  /** Ends everything in flight with this error (child exited, shutting down). */
  close(code: number, message: string, data?: unknown): void;
  /** True while a request, a parked `input_required` call or a listen stream is open. */
  readonly busy: boolean;
}

/** A call the relay forwarded to the child under its own id. */
export interface Call {
  childId: string;
  method: string;
  /** params.name or params.uri: what a multi-round-trip retry must repeat. */
  name: string | undefined;
  envelope: Envelope | undefined;
  /** The client exchange awaiting the outcome; undefined while parked on `input_required`. */
  exchange: Exchange | undefined;
  /** The client's progress token on the current exchange, and the token the child was given. */
  clientToken: string | number | undefined;
  childToken: string | undefined;
  timer: NodeJS.Timeout | undefined;
}

export type { JsonRpcId, JsonRpcMessage, JsonRpcRequest };
