/**
 * The local client's requests that are still waiting for a remote answer, keyed by JSON-RPC id (a
 * string id and a numeric id with the same digits are different requests).
 */

import type { JsonRpcId } from '../../shared/jsonrpc.js';

export interface PendingRequest {
  id: JsonRpcId;
  method: string;
  /** Generation of the channel the request is being, or was last, handed to. */
  attemptOn?: number;
  /** Generation of the channel that accepted the request (its answer is awaited there). */
  sentOn?: number;
}

/** A map key for a JSON-RPC id: a string id and a numeric id with the same digits stay distinct. */
export function idKey(id: JsonRpcId): string {
  return `${typeof id}:${String(id)}`;
}

export class PendingRequests {
  private readonly entries = new Map<string, PendingRequest>();

  add(id: JsonRpcId, method: string): void {
    this.entries.set(idKey(id), { id, method });
  }

  get(id: JsonRpcId): PendingRequest | undefined {
    return this.entries.get(idKey(id));
  }

  markAttempt(id: JsonRpcId, generation: number): void {
    const entry = this.entries.get(idKey(id));
    if (entry) entry.attemptOn = generation;
  }

  markSent(id: JsonRpcId, generation: number): void {
    const entry = this.entries.get(idKey(id));
    if (entry) entry.sentOn = generation;
  }

  take(id: JsonRpcId): PendingRequest | undefined {
    const key = idKey(id);
    const entry = this.entries.get(key);
    this.entries.delete(key);
    return entry;
  }

  /** Removes and returns every request handed to channel generations older than `generation`. */
  takeSentBefore(generation: number): PendingRequest[] {
    const out: PendingRequest[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.sentOn !== undefined && entry.sentOn < generation) {
        out.push(entry);
        this.entries.delete(key);
      }
    }
    return out;
  }

  takeAll(): PendingRequest[] {
    const out = [...this.entries.values()];
    this.entries.clear();
    return out;
  }

  get size(): number {
    return this.entries.size;
  }
}
