import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';
import { isResponse, type JsonRpcId, type JsonRpcMessage } from '../../shared/jsonrpc.js';

/**
 * The SSE events of one 2025-era session, kept so that a client whose stream broke can resume it with
 * `Last-Event-ID` (2025-11-25 basic/transports § Resumability). One store serves both ways a session
 * writes streams: the SDK transport (as its `EventStore`) and the direct path (direct-sse.ts), so event
 * ids are minted the same way on both (`<stream id>_<n>`, unique within the session).
 *
 * Bounds, over all of the session's streams together: at most `maxEvents` events and `maxBytes` bytes
 * (the messages as serialized JSON; a priming event counts as one event of no bytes), the oldest event
 * dropped first (--event-store-size, --event-store-bytes). Besides, a POST stream is forgotten
 * `retentionMs` (5 s) after its response was stored (a client reconnects after the 1 s `retry`), and
 * at most `maxCompletedStreams` (8) answered streams are kept at all.
 *
 * A resumption is possible only while every event after the client's last one is still kept
 * (`streamOf`): otherwise the answer is that the events are gone, never a replay with a hole in it.
 */
export interface SessionEventStoreOptions {
  maxEvents: number;
  maxBytes: number;
  retentionMs?: number;
  maxCompletedStreams?: number;
  now: () => number;
}

interface StoredEvent {
  seq: number;
  /** Undefined for the priming event (an id and no message). */
  message: JsonRpcMessage | undefined;
  bytes: number;
}

interface Stream {
  id: string;
  seq: number;
  /** Kept events, oldest first (always the newest ones of the stream). */
  events: StoredEvent[];
  /** The request a direct POST stream answers (undefined for SDK streams). */
  directRequest: JsonRpcId | undefined;
  answered: boolean;
  forgotten: boolean;
}

/** One entry of the session-wide order of events, for dropping the oldest first. */
interface Slot {
  stream: Stream;
  seq: number;
}

export class SessionEventStore implements EventStore {
  readonly #streams = new Map<string, Stream>();
  readonly #completed: Array<{ streamId: string; at: number }> = [];
  readonly #opts: Required<SessionEventStoreOptions>;
  /** Every kept event in the order stored (and slots of forgotten streams, skipped when reached). */
  #order: Slot[] = [];
  #head = 0;
  #stale = 0;
  #events = 0;
  #bytes = 0;

  constructor(opts: SessionEventStoreOptions) {
    this.#opts = { retentionMs: 5_000, maxCompletedStreams: 8, ...opts };
  }

  /** Events kept now, over all streams. */
  get size(): number {
    return this.#events;
  }

  /** Bytes kept now, over all streams. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Registers a direct POST stream for `requestId` (so a resumption of it is served directly). */
  openDirect(streamId: string, requestId: JsonRpcId): void {
    this.#forget(streamId);
    this.#streams.set(streamId, newStream(streamId, requestId));
  }

  /**
   * Stores one event (a message, or the priming event when undefined) and returns its id. `json`, when
   * the caller serialized the message already, spares serializing it again to count its bytes.
   */
  append(streamId: string, message: JsonRpcMessage | undefined, json?: string): string {
    let stream = this.#streams.get(streamId);
    if (!stream) {
      stream = newStream(streamId, undefined);
      this.#streams.set(streamId, stream);
    }
    const seq = ++stream.seq;
    const bytes = message === undefined ? 0 : Buffer.byteLength(json ?? JSON.stringify(message), 'utf8');
    stream.events.push({ seq, message, bytes });
    this.#order.push({ stream, seq });
    this.#events += 1;
    this.#bytes += bytes;
    if (message !== undefined && isResponse(message) && !stream.answered) {
      stream.answered = true;
      this.#completed.push({ streamId, at: this.#opts.now() });
    }
    this.#expire();
    this.#evict();
    return `${streamId}_${seq}`;
  }

  /**
   * The stream an event id belongs to, while a resumption after it is possible: the stream is kept and
   * no event after `seq` was dropped. Undefined for an unknown id and for one whose sequel is gone.
   */
  streamOf(eventId: string): { streamId: string; seq: number; directRequest: JsonRpcId | undefined } | undefined {
    const cut = eventId.lastIndexOf('_');
    if (cut <= 0) return undefined;
    const streamId = eventId.slice(0, cut);
    const seq = Number(eventId.slice(cut + 1));
    const stream = this.#streams.get(streamId);
    if (!stream || !Number.isSafeInteger(seq) || seq < 1 || seq > stream.seq) return undefined;
    const firstKept = stream.events[0]?.seq ?? stream.seq + 1;
    if (firstKept > seq + 1) return undefined;
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
      this.#forget(this.#completed.shift()!.streamId);
    }
  }

  /** Drops the oldest events of the session until both caps hold. */
  #evict(): void {
    const { maxEvents, maxBytes } = this.#opts;
    while ((this.#events > maxEvents || this.#bytes > maxBytes) && this.#head < this.#order.length) {
      const slot = this.#order[this.#head++]!;
      if (slot.stream.forgotten) {
        this.#stale -= 1;
        continue;
      }
      const event = slot.stream.events.shift()!;
      this.#events -= 1;
      this.#bytes -= event.bytes;
    }
    this.#compact();
  }

  /** Forgets a whole stream (answered long enough ago, or replaced): its events leave the counts. */
  #forget(streamId: string): void {
    const stream = this.#streams.get(streamId);
    if (!stream) return;
    this.#streams.delete(streamId);
    stream.forgotten = true;
    for (const event of stream.events) this.#bytes -= event.bytes;
    this.#events -= stream.events.length;
    this.#stale += stream.events.length;
    stream.events = [];
  }

  /** Keeps the order array proportional to what is kept: consumed slots and forgotten streams' slots go. */
  #compact(): void {
    if (this.#head > 1_024 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
    if (this.#stale > 1_024 && this.#stale > this.#events) {
      this.#order = this.#order.slice(this.#head).filter((slot) => !slot.stream.forgotten);
      this.#head = 0;
      this.#stale = 0;
    }
  }
}

function newStream(id: string, directRequest: JsonRpcId | undefined): Stream {
  return { id, seq: 0, events: [], directRequest, answered: false, forgotten: false };
}
