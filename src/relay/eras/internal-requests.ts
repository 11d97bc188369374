import { errorResponse, INTERNAL_ERROR, type JsonRpcResponse } from '../../shared/jsonrpc.js';
import type { JsonObject } from './protocol.js';
import type { Link } from '../link.js';

/**
 * Requests the era adapter makes to the child on its own behalf (the handshake, `resources/subscribe`
 * for listens, the log level), under ids of their own; each resolves with the child's response, or
 * with an error when the child is gone, does not answer in time, or the relay closes.
 */
export class InternalRequests {
  readonly #pending = new Map<string, (r: JsonRpcResponse) => void>();
  readonly #peer: Link<never>;
  readonly #timeoutMs: number;
  #seq = 0;

  constructor(peer: Link<never>, timeoutMs: number) {
    this.#peer = peer;
    this.#timeoutMs = timeoutMs;
  }

  request(method: string, params: JsonObject): Promise<JsonRpcResponse> {
    const id = `lx${++this.#seq}`;
    return new Promise((resolve) => {
      const seconds = this.#timeoutMs / 1000;
      const timer = setTimeout(() => {
        if (this.#pending.delete(id)) resolve(errorResponse(id, INTERNAL_ERROR, `the MCP server did not answer ${method} within ${seconds}s`));
      }, this.#timeoutMs);
      timer.unref?.();
      this.#pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      if (!this.#peer.send({ jsonrpc: '2.0', id, method, params })) {
        this.#pending.delete(id);
        clearTimeout(timer);
        resolve(errorResponse(id, INTERNAL_ERROR, 'MCP server process is not running'));
      }
    });
  }

  /** Takes the child's response when it answers one of these requests; false otherwise. */
  settle(response: JsonRpcResponse): boolean {
    const resolve = typeof response.id === 'string' ? this.#pending.get(response.id) : undefined;
    if (!resolve) return false;
    this.#pending.delete(response.id as string);
    resolve(response);
    return true;
  }

  failAll(code: number, message: string): void {
    for (const resolve of this.#pending.values()) resolve(errorResponse(null, code, message));
    this.#pending.clear();
  }
}
