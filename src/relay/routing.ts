import type { JsonRpcId, JsonRpcMessage } from '../shared/jsonrpc.js';
import { isRequest, isResponse, progressTokenOf } from '../shared/jsonrpc.js';

/**
 * Which client stream a child's message belongs to (DESIGN §1): a response → the request it answers;
 * progress → the request whose progressToken it carries; a server→client request (sampling,
 * elicitation, roots) made while client requests are in flight → the newest of them; anything else →
 * the session's standalone (GET) stream. Responses and progress for requests no longer in flight
 * (timed out, cancelled) are stale.
 */
export type Route =
  | { kind: 'related'; requestId: JsonRpcId; completes: boolean; isProgress: boolean }
  | { kind: 'standalone' }
  | { kind: 'stale' };

interface Entry {
  progressToken: string | number | undefined;
  timer: NodeJS.Timeout | undefined;
}

export class InflightTable {
  readonly #byId = new Map<JsonRpcId, Entry>();
  readonly #byToken = new Map<string | number, JsonRpcId>();

  get size(): number {
    return this.#byId.size;
  }

  ids(): JsonRpcId[] {
    return [...this.#byId.keys()];
  }

  add(id: JsonRpcId, progressToken: string | number | undefined, timer?: NodeJS.Timeout): void {
    this.#byId.set(id, { progressToken, timer });
    if (progressToken !== undefined) this.#byToken.set(progressToken, id);
  }

  has(id: JsonRpcId): boolean {
    return this.#byId.has(id);
  }

  timerOf(id: JsonRpcId): NodeJS.Timeout | undefined {
    return this.#byId.get(id)?.timer;
  }

  delete(id: JsonRpcId): boolean {
    const entry = this.#byId.get(id);
    if (!entry) return false;
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.progressToken !== undefined) this.#byToken.delete(entry.progressToken);
    this.#byId.delete(id);
    return true;
  }

  clear(): void {
    for (const id of [...this.#byId.keys()]) this.delete(id);
  }

  newest(): JsonRpcId | undefined {
    let last: JsonRpcId | undefined;
    for (const id of this.#byId.keys()) last = id;
    return last;
  }

  /** Decides the route of a message from the child. Does not mutate; call `delete` when `completes`. */
  route(message: JsonRpcMessage): Route {
    if (isResponse(message)) {
      const id = message.id;
      return id !== null && this.#byId.has(id) ? { kind: 'related', requestId: id, completes: true, isProgress: false } : { kind: 'stale' };
    }
    if (isRequest(message)) {
      const newest = this.newest();
      return newest !== undefined ? { kind: 'related', requestId: newest, completes: false, isProgress: false } : { kind: 'standalone' };
    }
    if (message.method === 'notifications/progress') {
      const token = message.params?.progressToken;
      const id = typeof token === 'string' || typeof token === 'number' ? this.#byToken.get(token) : undefined;
      return id !== undefined ? { kind: 'related', requestId: id, completes: false, isProgress: true } : { kind: 'stale' };
    }
    return { kind: 'standalone' };
  }
}

export { progressTokenOf };
