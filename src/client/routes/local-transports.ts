/**
 * Two `LocalTransport` shapes the era router needs around the bridges:
 *   - `LocalGate` holds the real stdio transport while the route is being decided: it yields the first
 *     message, buffers everything after it (and a close), and replays them to whichever bridge attaches.
 *   - `MemoryLocal` is a local client made of code: the session bridge (bridge.ts) drives it as if it
 *     were stdin/stdout, while an era adapter sits on the other side.
 */

import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { errorResponse, isRequest, type JsonRpcMessage } from '../../shared/jsonrpc.js';
import type { LocalTransport } from './session-bridge.js';

export class LocalGate implements LocalTransport {
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  readonly #real: LocalTransport;
  readonly #buffer: JSONRPCMessage[] = [];
  #attached = false;
  #closed = false;
  #waiter: ((message: JSONRPCMessage | undefined) => void) | undefined;
  #markClosed!: () => void;
  /** Resolves when the local client closes stdin, also before a bridge attaches. */
  readonly closed: Promise<void> = new Promise((resolve) => (this.#markClosed = resolve));

  /** `early` hears unreadable input that arrives before a bridge attaches. */
  constructor(real: LocalTransport, early: (error: Error) => void) {
    this.#real = real;
    real.onmessage = (m) => {
      if (this.#attached && this.onmessage) return this.onmessage(m);
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
    real.onerror = (e) => (this.onerror ?? early)(e);
  }

  /** Starts reading stdin; resolves with the first message (kept for replay), or undefined on EOF. */
  async first(): Promise<JSONRPCMessage | undefined> {
    const arrived = new Promise<JSONRPCMessage | undefined>((resolve) => (this.#waiter = resolve));
    await this.#real.start();
    return this.#buffer[0] ?? (this.#closed ? undefined : arrived);
  }

  /** The attaching bridge starts: buffered messages (and an early close) are replayed to it. */
  async start(): Promise<void> {
    this.#attached = true;
    queueMicrotask(() => {
      for (const m of this.#buffer.splice(0)) this.onmessage?.(m);
      if (this.#closed) this.onclose?.();
    });
  }

  /** No bridge will attach: answer every buffered request with this error. */
  async failBuffered(code: number, message: string): Promise<void> {
    for (const m of this.#buffer.splice(0)) if (isRequest(m)) await this.#real.send(errorResponse(m.id, code, message) as JSONRPCMessage).catch(() => undefined);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.#real.send(message);
  }

  close(): Promise<void> {
    return this.#real.close();
  }
}

export class MemoryLocal implements LocalTransport {
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  #closed = false;

  /** `deliver` receives what the bridge writes toward this "local client". */
  constructor(private readonly deliver: (message: JsonRpcMessage) => void) {}

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.#closed) this.deliver(message as JsonRpcMessage);
  }

  /** The code-made client sends a message into the bridge; false once closed. */
  emit(message: JsonRpcMessage): boolean {
    if (this.#closed) return false;
    this.onmessage?.(message as JSONRPCMessage);
    return true;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.onclose?.();
  }
}
