/**
 * One connection to the remote MCP server over the SDK's client transports: Streamable HTTP
 * (`StreamableHTTPClientTransport`, with its GET stream and reconnection) or legacy HTTP+SSE
 * (`SSEClientTransport`). Messages pass through untouched; this only adapts the two transports to one
 * shape and maps an SSE start failure to a typed error.
 */

import { SSEClientTransport, StreamableHTTPClientTransport, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { ClientError, isClientError } from '../../shared/errors.js';
import type { FetchLike } from '../../shared/fetch-like.js';
import { noEndpointError } from './remote-failure.js';

export type TransportKind = 'http' | 'sse';
export type TransportMode = 'auto' | TransportKind;

export interface ChannelHandlers {
  onmessage(message: JSONRPCMessage): void;
  onerror(error: Error): void;
}

export interface RemoteChannel {
  readonly kind: TransportKind;
  /** Increases with every channel the bridge opens; used to tell stale failures from current ones. */
  readonly generation: number;
  /** Messages sent successfully so far. */
  readonly sentCount: number;
  hasSession(): boolean;
  /** Sends one message; `onStreamEnd` fires if a request's response stream ends without being aborted. */
  send(message: JSONRPCMessage, onStreamEnd?: () => void): Promise<void>;
  setProtocolVersion(version: string): void;
  /** Ends the remote session (HTTP DELETE) when there is one; never throws. */
  terminate(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenChannelOptions {
  kind: TransportKind;
  url: URL;
  fetch: FetchLike;
  generation: number;
  handlers: ChannelHandlers;
}

/** GET-stream reconnection: a few minutes of attempts before the SDK gives up on the stream. */
const RECONNECTION = { initialReconnectionDelay: 1_000, maxReconnectionDelay: 10_000, reconnectionDelayGrowFactor: 1.5, maxRetries: 20 };

async function openHttp(options: OpenChannelOptions): Promise<RemoteChannel> {
  const transport = new StreamableHTTPClientTransport(options.url, { fetch: options.fetch, reconnectionOptions: RECONNECTION });
  transport.onmessage = (m) => options.handlers.onmessage(m);
  transport.onerror = (e) => options.handlers.onerror(e);
  await transport.start();
  let sentCount = 0;
  let closed = false;
  return {
    kind: 'http',
    generation: options.generation,
    get sentCount() {
      return sentCount;
    },
    hasSession: () => transport.sessionId !== undefined,
    send: async (message, onStreamEnd) => {
      await transport.send(message, onStreamEnd ? { onRequestStreamEnd: onStreamEnd } : undefined);
      sentCount += 1;
    },
    setProtocolVersion: (v) => transport.setProtocolVersion(v),
    terminate: async () => {
      if (transport.sessionId === undefined || closed) return false;
      try {
        await transport.terminateSession();
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      closed = true;
      transport.onerror = undefined;
      await transport.close().catch(() => undefined);
    },
  };
}

async function openSse(options: OpenChannelOptions): Promise<RemoteChannel> {
  // Remember how the event-stream GET failed, so a start failure can be reported with a typed cause.
  let streamFailure: ClientError | undefined;
  const trackedFetch: FetchLike = async (url, init) => {
    const isGet = (init?.method ?? 'GET').toUpperCase() === 'GET';
    try {
      const response = await options.fetch(url, init);
      if (isGet && (response.status === 404 || response.status === 405)) {
        streamFailure = noEndpointError(options.url, response.status);
      } else if (isGet && !response.ok) {
        streamFailure = new ClientError('HTTP_STATUS', `remote answered HTTP ${response.status} to the SSE stream request`);
      }
      return response;
    } catch (error) {
      if (isGet && isClientError(error)) streamFailure = error;
      throw error;
    }
  };
  const transport = new SSEClientTransport(options.url, { fetch: trackedFetch });
  transport.onmessage = (m) => options.handlers.onmessage(m);
  let started = false;
  transport.onerror = (e) => {
    if (started) options.handlers.onerror(e);
  };
  try {
    await transport.start();
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw streamFailure ?? new ClientError('CONNECT_FAILED', 'could not open the SSE stream', { cause: error });
  }
  started = true;
  let sentCount = 0;
  return {
    kind: 'sse',
    generation: options.generation,
    get sentCount() {
      return sentCount;
    },
    hasSession: () => true,
    send: async (message) => {
      await transport.send(message);
      sentCount += 1;
    },
    setProtocolVersion: (v) => transport.setProtocolVersion(v),
    terminate: async () => false,
    close: async () => {
      transport.onerror = undefined;
      await transport.close().catch(() => undefined);
    },
  };
}

export async function openChannel(options: OpenChannelOptions): Promise<RemoteChannel> {
  return options.kind === 'sse' ? openSse(options) : openHttp(options);
}
