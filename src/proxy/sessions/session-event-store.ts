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

/**
 * One kept event, also its slot in the session-wide order (dropping the oldest first). The message is
 * kept as its JSON text only: one flat string per event instead of the parsed message's object tree
 * (events are written far more often than replayed; a replay parses).
 */
interface StoredEvent {
  stream: Stream;
  seq: number;
  /** Undefined for the priming event (an id and no message). */
  data: string | undefined;
  bytes: number;
}

interface Stream {
  id: string;
  seq: number;
  /** Kept events, oldest first (always the newest ones of the stream). */
  events: StoredEvent[];
  /** The request a direct POST stream answers (undefined for SDK streams). */
  directRequest: JsonRpcId | undefined;
  /** When its response was stored (undefined before). */
  answeredAt: number | undefined;
  forgotten: boolean;
}

export class SessionEventStore implements EventStore {
  readonly #streams = new Map<string, Stream>();
  /** Answered streams, oldest answer first. */
  readonly #completed: Stream[] = [];
  readonly #opts: Required<SessionEventStoreOptions>;
  /** Every kept event in the order stored (and events of forgotten streams, skipped when reached). */
  #order: StoredEvent[] = [];
  /** Direct streams opened so far (their ids: `d<n>`, apart from the SDK transport's UUIDs). */
  #directStreams = 0;
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

  /**
   * Registers a new direct POST stream for `requestId` (so a resumption of it is served directly) and
   * returns its id. Ids need only be unique within the session (a resumption names its session too).
   */
  openDirect(requestId: JsonRpcId): string {
    const streamId = `d${++this.#directStreams}`;
    this.#streams.set(streamId, newStream(streamId, requestId));
    return streamId;
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
    const data = message === undefined ? undefined : (json ?? JSON.stringify(message));
    const bytes = data === undefined ? 0 : Buffer.byteLength(data, 'utf8');
    const event: StoredEvent = { stream, seq, data, bytes };
    stream.events.push(event);
    this.#order.push(event);
    this.#events += 1;
    this.#bytes += bytes;
    const answers = message !== undefined && stream.answeredAt === undefined && isResponse(message);
    if (answers || this.#completed.length > 0) {
      const now = this.#opts.now();
      if (answers) {
        stream.answeredAt = now;
        this.#completed.push(stream);
      }
      this.#expire(now);
    }
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

  /**
   * The messages of a stream after event `seq`, with their ids and JSON text (the priming event is not
   * replayed).
   */
  after(streamId: string, seq: number): Array<{ id: string; message: JsonRpcMessage; data: string }> {
    const stream = this.#streams.get(streamId);
    const out: Array<{ id: string; message: JsonRpcMessage; data: string }> = [];
    for (const event of stream?.events ?? []) {
      if (event.seq > seq && event.data !== undefined) out.push({ id: `${streamId}_${event.seq}`, message: JSON.parse(event.data) as JsonRpcMessage, data: event.data });
    }
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

  /** Forgets answered streams beyond the count kept and those answered over `retentionMs` before `now`. */
  #expire(now: number): void {
    const { retentionMs, maxCompletedStreams } = this.#opts;
    const oldest = now - retentionMs;
    while (this.#completed.length > 0 && (this.#completed.length > maxCompletedStreams || this.#completed[0]!.answeredAt! < oldest)) {
      this.#forget(this.#completed.shift()!);
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

  /** Forgets a whole stream (answered long enough ago): its events leave the counts. */
  #forget(stream: Stream): void {
    if (stream.forgotten) return;
    if (this.#streams.get(stream.id) === stream) this.#streams.delete(stream.id);
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
  return { id, seq: 0, events: [], directRequest, answeredAt: undefined, forgotten: false };
}
