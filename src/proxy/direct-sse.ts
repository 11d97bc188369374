import type { ServerResponse } from 'node:http';
import { isResponse, type JsonRpcId, type JsonRpcMessage } from '../shared/jsonrpc.js';

/**
 * The POST response streams a session serves itself (see direct-post.ts), written straight on the Node
 * response with the SDK transport's wire format: status 200, its SSE headers, one
 * `event: message\ndata: <json>\n\n` event per message, `: keepalive\n\n` comments every 15 s, and the
 * end of the response after the answer to the request.
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

/** One SSE event as the SDK transport frames it (no event id: the proxy configures no event store). */
export function sseEvent(message: JsonRpcMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

export class DirectSseStream {
  readonly #res: ServerResponse;
  #headersOut = false;
  #ticks = 0;

  constructor(res: ServerResponse, headers: Record<string, string>) {
    this.#res = res;
    res.writeHead(200, headers);
  }

  /** True once the response is over: answered, or the client left. */
  get done(): boolean {
    return this.#res.writableEnded || this.#res.destroyed;
  }

  send(message: JsonRpcMessage): void {
    if (this.done) return;
    this.#headersOut = true;
    this.#res.write(sseEvent(message));
  }

  /** Writes the last event and ends the response. */
  finish(message: JsonRpcMessage): void {
    if (this.done) return;
    this.#res.end(sseEvent(message));
  }

  end(): void {
    if (!this.done) this.#res.end();
  }

  tick(): void {
    if (this.done) return;
    this.#ticks += 1;
    if (!this.#headersOut) {
      this.#headersOut = true;
      this.#res.flushHeaders();
    }
    if (this.#ticks % TICKS_PER_KEEP_ALIVE === 0) this.#res.write(': keepalive\n\n');
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
  #ticker: NodeJS.Timeout | undefined;

  /** `tickMs` only for tests: keep-alives go every `TICKS_PER_KEEP_ALIVE` ticks. */
  constructor(tickMs = STREAM_TICK_MS) {
    this.#tickMs = tickMs;
  }

  get size(): number {
    return this.#byId.size;
  }

  open(id: JsonRpcId, res: ServerResponse, headers: Record<string, string>): void {
    // A request id reused while its stream is open: the new stream takes the id (as in the SDK
    // transport); the old one could never receive another message, so it is ended rather than left hanging.
    this.#byId.get(id)?.end();
    this.#byId.set(id, new DirectSseStream(res, headers));
    if (this.#ticker === undefined) {
      this.#ticker = setInterval(() => this.#tick(), this.#tickMs);
      this.#ticker.unref();
    }
  }

  /** Writes `message` to the stream of request `requestId`; false when no direct stream has that id. */
  deliver(message: JsonRpcMessage, requestId: JsonRpcId): boolean {
    const stream = this.#byId.get(requestId);
    if (!stream) return false;
    if (isResponse(message)) {
      this.#byId.delete(requestId);
      stream.finish(message);
    } else {
      stream.send(message);
    }
    return true;
  }

  /** Ends every stream (the session is closing; pending requests were answered before). */
  closeAll(): void {
    for (const stream of this.#byId.values()) stream.end();
    this.#byId.clear();
    this.#stopTicker();
  }

  #tick(): void {
    for (const [id, stream] of this.#byId) {
      if (stream.done) this.#byId.delete(id);
      else stream.tick();
    }
    if (this.#byId.size === 0) this.#stopTicker();
  }

  #stopTicker(): void {
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    this.#ticker = undefined;
  }
}
