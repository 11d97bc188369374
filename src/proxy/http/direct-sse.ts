import { DEFAULT_NEGOTIATED_PROTOCOL_VERSION } from '@modelcontextprotocol/server';
import type { ServerResponse } from 'node:http';
import { isResponse, type JsonRpcId, type JsonRpcMessage } from '../../shared/jsonrpc.js';
import type { SessionEventStore } from '../sessions/session-event-store.js';

/**
 * The POST response streams a session serves itself (see direct-post.ts), written straight on the Node
 * response with the SDK transport's wire format: status 200, its SSE headers, for a client of
 * 2025-11-25 a priming event (`id: <id>\nretry: <ms>\ndata: \n\n`), one
 * `event: message\nid: <id>\ndata: <json>\n\n` event per message, `: keepalive\n\n` comments every 15 s
 * (--keep-alive, rounded to whole ticks; 0 = none),
 * and the end of the response after the answer to the request. Event ids come from the session's event
 * store (the SDK transport's too), so a client whose stream broke resumes it with `Last-Event-ID`.
 *
 * Unlike the SDK transport (through web-bridge), a stream does not flush its headers on its own at
 * once: they leave with the first event, so a quick answer costs one socket write, or at the
 * stream's first tick (within ~1 s) when the answer takes longer.
 */

/** The SDK transport's SSE keep-alive interval (its `DEFAULT_SSE_KEEP_ALIVE_MS`, not exported). */
export const SSE_KEEP_ALIVE_MS = 15_000;
/** How often open streams are visited: unsent headers are flushed, and keep-alives counted. */
export const STREAM_TICK_MS = 1_000;
/** A keep-alive every this many ticks (15 s at the default tick). */
export const TICKS_PER_KEEP_ALIVE = SSE_KEEP_ALIVE_MS / STREAM_TICK_MS;

/** Ticks between keep-alives for an interval (0 = never); at least one tick. */
export function ticksPerKeepAlive(keepAliveMs: number, tickMs = STREAM_TICK_MS): number {
  return keepAliveMs > 0 ? Math.max(1, Math.round(keepAliveMs / tickMs)) : 0;
}

/**
 * The SDK transport's headers for a POST's SSE stream, after `extra` (CORS), in the order and casing
 * in which web-bridge writes them (a web `Headers` object lists its names sorted and lowercase).
 */
export function sseHeaders(sessionId: string, extra: Record<string, string>): Record<string, string> {
  return {
    ...extra,
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'content-type': 'text/event-stream',
    'mcp-session-id': sessionId,
    'x-accel-buffering': 'no',
  };
}

/** The `retry` (ms) of the priming event: how long a client waits before it resumes a broken stream. */
export const SSE_RETRY_MS = 1_000;

/**
 * One SSE event as the SDK transport frames it (with an event id when the session keeps events). `json`:
 * the message's JSON text as the child wrote it, used as the data when it holds no CR (the line framer
 * split on LF, so a CR is the only SSE line break it can hold) instead of serialising the message again.
 */
export function sseEvent(message: JsonRpcMessage, eventId?: string, json?: string): string {
  return eventOf(sseData(message, json), eventId);
}

/** The data of a message's event: the child's line as it came when it holds no CR, else the message serialised. */
function sseData(message: JsonRpcMessage, line: string | undefined): string {
  return line !== undefined && !line.includes('\r') ? line : JSON.stringify(message);
}

function eventOf(data: string, eventId: string | undefined): string {
  return eventId === undefined ? `event: message\ndata: ${data}\n\n` : `event: message\nid: ${eventId}\ndata: ${data}\n\n`;
}

/** The priming event as the SDK transport writes it: an id, the retry interval, empty data. */
export function primingEvent(eventId: string, retryMs = SSE_RETRY_MS): string {
  return `id: ${eventId}\nretry: ${retryMs}\ndata: \n\n`;
}

/**
 * Whether the SDK transport sends a POST stream's priming event to a client of this protocol version
 * (its `Mcp-Protocol-Version` header, 2025-03-26 when absent): 2025-11-25 and later supported ones,
 * whose clients accept an event with empty data.
 */
export function sendsPrimingEvent(protocolVersion: string | undefined, supported: readonly string[]): boolean {
  const version = protocolVersion ?? DEFAULT_NEGOTIATED_PROTOCOL_VERSION;
  return supported.includes(version) && version >= '2025-11-25';
}

/** Where a stream's events are recorded (the session's store, under this stream's id). */
export interface StreamEvents {
  store: SessionEventStore;
  streamId: string;
}

export class DirectSseStream {
  readonly #res: ServerResponse;
  readonly #events: StreamEvents | undefined;
  /** Written with the first event or at the first tick (the priming event), so a quick answer is one write. */
  #pending = '';
  #headersOut = false;
  #ticks = 0;
  readonly #keepAliveTicks: number;

  /** `keepAliveTicks`: a keep-alive comment every this many ticks (0 = none). */
  constructor(res: ServerResponse, headers: Record<string, string>, events?: StreamEvents, prime = false, keepAliveTicks = TICKS_PER_KEEP_ALIVE) {
    this.#res = res;
    this.#events = events;
    this.#keepAliveTicks = keepAliveTicks;
    res.writeHead(200, headers);
    if (events && prime) this.#pending = primingEvent(events.store.append(events.streamId, undefined));
  }

  /** True once the response is over: answered, or the client left. */
  get done(): boolean {
    return this.#res.writableEnded || this.#res.destroyed;
  }

  /** Records the message (even when the client is gone: it may resume) and writes it (`json`: see sseEvent). */
  send(message: JsonRpcMessage, json?: string): void {
    const frame = this.#frame(message, json);
    if (this.done) return;
    this.#headersOut = true;
    this.#res.write(frame);
  }

  /** Writes the last event and ends the response. */
  finish(message: JsonRpcMessage, json?: string): void {
    const frame = this.#frame(message, json);
    if (this.done) return;
    this.#res.end(frame);
  }

  /** Writes already recorded events (a resumption's replay). */
  replay(frames: string): void {
    if (this.done || frames === '') return;
    this.#headersOut = true;
    this.#res.write(frames);
  }

  end(): void {
    if (!this.done) this.#res.end();
  }

  tick(): void {
    if (this.done) return;
    this.#ticks += 1;
    if (!this.#headersOut) {
      this.#headersOut = true;
      if (this.#pending !== '') this.#res.write(this.#take());
      else this.#res.flushHeaders();
    }
    if (this.#keepAliveTicks > 0 && this.#ticks % this.#keepAliveTicks === 0) this.#res.write(': keepalive\n\n');
  }

  #frame(message: JsonRpcMessage, line?: string): string {
    // The data is decided once (sseData); the store counts its bytes.
    const data = sseData(message, line);
    const event = eventOf(data, this.#events?.store.append(this.#events.streamId, message, data));
    return this.#pending === '' ? event : this.#take() + event;
  }

  #take(): string {
    const pending = this.#pending;
    this.#pending = '';
    return pending;
  }
}

/**
 * A session's direct streams by the id of the request each one answers. Messages for a request are
 * written to its stream; its response ends it. Streams whose client left are forgotten at the next
 * tick; a ticker runs only while streams are open.
 */
export class DirectStreams {
  readonly #byId = new Map<JsonRpcId, DirectSseStream>();
  readonly #tickMs: number;
  readonly #store: SessionEventStore | undefined;
  readonly #keepAliveTicks: number;
  #ticker: NodeJS.Timeout | undefined;

  /**
   * With a `store`, every event is recorded and carries an id, and a stream whose client left stays
   * until its answer (recorded for a resumption). Keep-alives go every `keepAliveMs` (0 = none),
   * counted in ticks; `tickMs` only for tests.
   */
  constructor(tickMs = STREAM_TICK_MS, store?: SessionEventStore, keepAliveMs = SSE_KEEP_ALIVE_MS) {
    this.#tickMs = tickMs;
    this.#store = store;
    this.#keepAliveTicks = ticksPerKeepAlive(keepAliveMs, STREAM_TICK_MS);
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Opens the stream answering request `id`; `prime` sends the priming event (a 2025-11-25 client). */
  open(id: JsonRpcId, res: ServerResponse, headers: Record<string, string>, prime = false): void {
    // A request id reused while its stream is open: the new stream takes the id (as in the SDK
    // transport); the old one could never receive another message, so it is ended rather than left hanging.
    this.#byId.get(id)?.end();
    const events: StreamEvents | undefined = this.#store ? { store: this.#store, streamId: this.#store.openDirect(id) } : undefined;
    this.#add(id, new DirectSseStream(res, headers, events, prime, this.#keepAliveTicks));
  }

  /**
   * Resumes the stream of request `id` on a new response (a GET with `Last-Event-ID` after event
   * `seq`): the events recorded after it are written, then the stream goes on, or ends when the answer
   * was among them. False when the request's stream still has its client (the SDK answers that 409).
   */
  resume(id: JsonRpcId, streamId: string, seq: number, res: ServerResponse, headers: Record<string, string>): boolean {
    const store = this.#store!;
    if (this.#byId.get(id)?.done === false) return false;
    const events = store.after(streamId, seq);
    const stream = new DirectSseStream(res, headers, { store, streamId }, false, this.#keepAliveTicks);
    const last = events[events.length - 1];
    // A stored event's data is what was written (sseData: no CR, no LF), so it is replayed as it is.
    const frames = events.map((e) => eventOf(e.data, e.id)).join('');
    if (last && isResponse(last.message)) {
      stream.replay(frames);
      stream.end();
      return true;
    }
    stream.replay(frames);
    this.#add(id, stream);
    return true;
  }

  /**
   * Writes `message` to the stream of request `requestId`; false when no direct stream has that id.
   * `json`: the message's text as the child wrote it (see sseEvent).
   */
  deliver(message: JsonRpcMessage, requestId: JsonRpcId, json?: string): boolean {
    const stream = this.#byId.get(requestId);
    if (!stream) return false;
    if (isResponse(message)) {
      this.#byId.delete(requestId);
      stream.finish(message, json);
    } else {
      stream.send(message, json);
    }
    return true;
  }

  /** The client cancelled request `id`: no answer will come, so a stream whose client left is forgotten. */
  cancelled(id: JsonRpcId): void {
    if (this.#byId.get(id)?.done) this.#byId.delete(id);
  }

  /** Ends every stream (the session is closing; pending requests were answered before). */
  closeAll(): void {
    for (const stream of this.#byId.values()) stream.end();
    this.#byId.clear();
    this.#stopTicker();
  }

  #add(id: JsonRpcId, stream: DirectSseStream): void {
    this.#byId.set(id, stream);
    if (this.#ticker === undefined) {
      this.#ticker = setInterval(() => this.#tick(), this.#tickMs);
      this.#ticker.unref();
    }
  }

  #tick(): void {
    for (const [id, stream] of this.#byId) {
      // Without a store a stream whose client left is forgotten; with one it records until its answer.
      if (!stream.done) stream.tick();
      else if (!this.#store) this.#byId.delete(id);
    }
    if (this.#byId.size === 0) this.#stopTicker();
  }

  #stopTicker(): void {
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    this.#ticker = undefined;
  }
}
