/**
 * The edge link of every mcp-client route: the local stdio client (in production a
 * `StdioServerTransport` over stdin/stdout) as a `Link`. While the era router decides the route it holds
 * the transport: `first()` yields the first message, everything after it (and a close) is buffered and
 * replayed to whichever route attaches with `start()`.
 *
 * `send(message, route)`: the stdio client has one stream, so the route (the local request a message
 * belongs to) is not needed to write it.
 */

import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { errorResponse, isRequest, type JsonRpcId, type JsonRpcMessage } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import type { Link } from '../../relay/link.js';

/** The local side as the SDK gives it: a `StdioServerTransport`. */
export interface LocalTransport {
  start(): Promise<void>;
  send(message: JSONRPCMessage): Promise<void>;
  close(): Promise<void>;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
}

export class LocalEdge implements Link {
  onmessage?: (message: JsonRpcMessage) => void;
  onclose?: () => void;
  readonly #real: LocalTransport;
  readonly #log: Logger;
  readonly #buffer: JSONRPCMessage[] = [];
  #attached = false;
  #closed = false;
  #waiter: ((message: JSONRPCMessage | undefined) => void) | undefined;
  #markClosed!: () => void;
  /** Resolves when the local client closes stdin, also before a route attaches. */
  readonly closed: Promise<void> = new Promise((resolve) => (this.#markClosed = resolve));

  constructor(real: LocalTransport, log: Logger) {
    this.#real = real;
    this.#log = log;
    real.onmessage = (m) => {
      if (this.#attached && this.onmessage) return this.onmessage(m as JsonRpcMessage);
      if (this.#waiter) {
        const resolve = this.#waiter;
        this.#waiter = undefined;
        this.#buffer.push(m);
        return resolve(m);
      }
      this.#buffer.push(m);
    };
    real.onclose = () => {
      this.#closed = true;
      this.#markClosed();
      if (this.#attached) this.onclose?.();
      this.#waiter?.(undefined);
    };
    real.onerror = (error) => log.warn('ignoring an unreadable message from the local client', { error: error.message });
  }

  /** Starts reading stdin; resolves with the first message (kept for replay), or undefined on EOF. */
  async first(): Promise<JSONRPCMessage | undefined> {
    const arrived = new Promise<JSONRPCMessage | undefined>((resolve) => (this.#waiter = resolve));
    await this.#real.start();
    return this.#buffer[0] ?? (this.#closed ? undefined : arrived);
  }

  /** The route attaches: buffered messages (and an early close) are replayed to it. */
  start(): void {
    this.#attached = true;
    queueMicrotask(() => {
      for (const m of this.#buffer.splice(0)) this.onmessage?.(m as JsonRpcMessage);
      if (this.#closed) this.onclose?.();
    });
  }

  /** No route will attach: answer every buffered request with this error. */
  async failBuffered(code: number, message: string): Promise<void> {
    for (const m of this.#buffer.splice(0)) if (isRequest(m)) await this.#real.send(errorResponse(m.id, code, message) as JSONRPCMessage).catch(() => undefined);
  }

  send(message: JsonRpcMessage, _route?: JsonRpcId): boolean {
    this.#real.send(message as JSONRPCMessage).catch((error: unknown) => this.#log.debug('could not write to the local client', { error }));
    return true;
  }

  close(): Promise<void> {
    return this.#real.close();
  }
}
