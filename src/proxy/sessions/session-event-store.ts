import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';
import { isResponse, type JsonRpcId, type JsonRpcMessage } from '../../shared/jsonrpc.js';

/**
 * The SSE events of one 2025-era session, kept so that a client whose stream broke can resume it with
 * `Last-Event-ID` (2025-11-25 basic/transports § Resumability). One store serves both ways a session
 * writes streams: the SDK transport (as its `EventStore`) and the direct path (direct-sse.ts), so event
 * ids are minted the same way on both (`<stream id>_<n>`, unique within the session).
 *
 * Bounds: a stream keeps its newest `maxEventsPerStream` events; a POST stream is forgotten
 * `retentionMs` (5 s) after its response was stored (a client reconnects after the 1 s `retry`), and at
 * most `maxCompletedStreams` (8) answered streams are kept at all, so large answers are not held long.
 */
export interface SessionEventStoreOptions {
  maxEventsPerStream: number;
  retentionMs?: number;
  maxCompletedStreams?: number;
  now: () => number;
}

interface StoredEvent {
  seq: number;
  /** Undefined for the priming event (an id and no message). */
  message: JsonRpcMessage | undefined;
}

interface Stream {
  seq: number;
  events: StoredEvent[];
  /** The request a direct POST stream answers (undefined for SDK streams). */
  directRequest: JsonRpcId | undefined;
  answered: boolean;
}

export class SessionEventStore implements EventStore {
  readonly #streams = new Map<string, Stream>();
  readonly #completed: Array<{ streamId: string; at: number }> = [];
  readonly #opts: Required<SessionEventStoreOptions>;

  constructor(opts: SessionEventStoreOptions) {
    this.#opts = { retentionMs: 5_000, maxCompletedStreams: 8, ...opts };
  }

  /** Registers a direct POST stream for `requestId` (so a resumption of it is served directly). */
  openDirect(streamId: string, requestId: JsonRpcId): void {
    this.#streams.set(streamId, { seq: 0, events: [], directRequest: requestId, answered: false });
  }

  /** Stores one event (a message, or the priming event when undefined) and returns its id. */
  append(streamId: string, message: JsonRpcMessage | undefined): string {
    let stream = this.#streams.get(streamId);
    if (!stream) {
      stream = { seq: 0, events: [], directRequest: undefined, answered: false };
      this.#streams.set(streamId, stream);
    }
    const seq = ++stream.seq;
    stream.events.push({ seq, message });
    if (stream.events.length > this.#opts.maxEventsPerStream) stream.events.shift();
    if (message !== undefined && isResponse(message) && !stream.answered) {
      stream.answered = true;
      this.#completed.push({ streamId, at: this.#opts.now() });
    }
    this.#expire();
    return `${streamId}_${seq}`;
  }

  /** The stream an event id belongs to, while it is kept. */
  streamOf(eventId: string): { streamId: string; seq: number; directRequest: JsonRpcId | undefined } | undefined {
    const cut = eventId.lastIndexOf('_');
    if (cut <= 0) return undefined;
    const streamId = eventId.slice(0, cut);
    const seq = Number(eventId.slice(cut + 1));
    const stream = this.#streams.get(streamId);
    if (!stream || !Number.isSafeInteger(seq) || seq < 1 || seq > stream.seq) return undefined;
    return { streamId, seq, directRequest: stream.directRequest };
  }

  /** The messages of a stream after event `seq`, with their ids (the priming event is not replayed). */
  after(streamId: string, seq: number): Array<{ id: string; message: JsonRpcMessage }> {
    const stream = this.#streams.get(streamId);
    const out: Array<{ id: string; message: JsonRpcMessage }> = [];
    for (const event of stream?.events ?? []) if (event.seq > seq && event.message !== undefined) out.push({ id: `${streamId}_${event.seq}`, message: event.message });
    return out;
  }

  // The SDK transport's EventStore interface (it stores `{}` for its priming event).
  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    return this.append(streamId, 'jsonrpc' in message ? (message as JsonRpcMessage) : undefined);
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.streamOf(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const at = this.streamOf(lastEventId);
    if (!at) throw new Error(`unknown event id ${lastEventId}`);
    for (const { id, message } of this.after(at.streamId, at.seq)) await send(id, message as JSONRPCMessage);
    return at.streamId;
  }

  #expire(): void {
    const { retentionMs, maxCompletedStreams, now } = this.#opts;
    const oldest = now() - retentionMs;
    while (this.#completed.length > 0 && (this.#completed.length > maxCompletedStreams || this.#completed[0]!.at < oldest)) {
      this.#streams.delete(this.#completed.shift()!.streamId);
    }
  }
}
