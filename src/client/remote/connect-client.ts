/**
 * A one-shot SDK `Client` for the shell commands (--list-*, -c). Not the relay path. The era is the
 * SDK's version negotiation: `--protocol auto` probes `server/discover` and falls back to `initialize`
 * (`versionNegotiation: {mode: 'auto'}`), `modern` pins 2026-07-28, `legacy` initializes directly.
 * Streamable HTTP first; with --transport auto, a 404/405 to the first request falls back to legacy SSE.
 */

import { Client, SdkHttpError, SSEClientTransport, StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import { ClientError, describeError, typedCause } from '../../shared/errors.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { isModernVersion, MODERN_PROTOCOL_VERSION, UNSUPPORTED_PROTOCOL_VERSION } from '../../relay/eras/protocol.js';
import type { EraCache } from './era-cache.js';
import type { ProtocolMode } from '../routes/era-route.js';
import type { FetchLike } from '../../shared/fetch-like.js';
import type { TransportKind, TransportMode } from './remote-channel.js';
import { classifyRemoteFailure, noEndpointError, type UserError } from './remote-failure.js';
import { jsonRpcErrorOf } from './remote-era-probe.js';
import { isObject } from '../../shared/is-object.js';

export interface ConnectClientOptions {
  url: URL;
  transport: TransportMode;
  protocol: ProtocolMode;
  fetch: FetchLike;
  timeoutMs: number;
  clientInfo: { name: string; version: string };
  logger?: Logger;
  /** With --protocol auto: a server known to be 2025-era is connected without the server/discover probe. */
  eraCache?: EraCache;
}

export interface ConnectedClient {
  client: Client;
  kind: TransportKind;
  /** Ends the remote session (DELETE when Streamable HTTP) and closes. Never throws. */
  close(): Promise<void>;
}

function makeTransport(kind: TransportKind, url: URL, fetch: FetchLike): Transport {
  return kind === 'http' ? new StreamableHTTPClientTransport(url, { fetch }) : new SSEClientTransport(url, { fetch });
}

/** The revisions a server named when it refused ours (HTTP 400 with -32022), if that is what happened. */
function refusedVersion(error: unknown): string[] | undefined {
  if (!(error instanceof SdkHttpError) || error.status !== 400) return undefined;
  const rpc = jsonRpcErrorOf(typeof error.data.text === 'string' ? error.data.text : undefined);
  if (rpc?.code !== UNSUPPORTED_PROTOCOL_VERSION || !isObject(rpc.data) || !Array.isArray(rpc.data.supported)) return undefined;
  return rpc.data.supported.filter((v): v is string => typeof v === 'string');
}

/**
 * Maps a failed connect to a typed error, once. Our own errors (an OAuth failure, an unreachable host, a
 * server that wants a static bearer token) come through unchanged, whatever SDK error wraps them.
 */
export function mapConnectFailure(error: unknown, url: URL): UserError {
  const typed = typedCause(error);
  if (typed) return typed;
  const supported = refusedVersion(error);
  if (supported) {
    return new ClientError('CONNECT_FAILED', `${url.origin}${url.pathname} does not speak this protocol revision; it supports ${supported.join(', ')} (try --protocol auto)`, { cause: error });
  }
  const failure = classifyRemoteFailure(error, { hasSession: false, firstRequest: true });
  if (failure.kind === 'not-streamable-http') return noEndpointError(url, failure.status, error);
  if (failure.error.code === 'PROTOCOL_ERROR') {
    return new ClientError('CONNECT_FAILED', `cannot connect to ${url.origin}${url.pathname}: ${failure.error.message}`, { cause: error });
  }
  return failure.error;
}

/** The SDK's negotiation mode for a `--protocol` setting (legacy SSE is always 2025-era). */
export function negotiationFor(protocol: ProtocolMode, kind: TransportKind): 'auto' | 'legacy' | { pin: string } {
  if (kind === 'sse' || protocol === 'legacy') return 'legacy';
  return protocol === 'modern' ? { pin: MODERN_PROTOCOL_VERSION } : 'auto';
}

async function tryConnect(kind: TransportKind, options: ConnectClientOptions): Promise<ConnectedClient> {
  const transport = makeTransport(kind, options.url, options.fetch);
  const mode = negotiationFor(options.protocol, kind);
  const client = new Client(options.clientInfo, { capabilities: {}, listMaxPages: 10_000, versionNegotiation: { mode } });
  client.onerror = (error) => (options.logger ?? silentLogger).debug('remote transport error', { error });
  try {
    await client.connect(transport, { timeout: options.timeoutMs });
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
  return {
    client,
    kind,
    close: async () => {
      if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession().catch(() => undefined);
      await client.close().catch(() => undefined);
    },
  };
}

/**
 * --protocol auto with the era cache: a server cached as 2025-era gets the plain `initialize` (no
 * server/discover probe, which such servers answer with a logged 400); if that fails the entry is dropped
 * and the normal negotiation runs. What a negotiation finds is remembered.
 */
export async function connectClient(options: ConnectClientOptions): Promise<ConnectedClient> {
  const cache = options.protocol === 'auto' && options.transport !== 'sse' ? options.eraCache : undefined;
  if (!cache) return connectOnce(options);
  const log = options.logger ?? silentLogger;
  if ((await cache.get(options.url, 'discover')) === 'legacy') {
    try {
      const connected = await connectOnce({ ...options, protocol: 'legacy' });
      log.debug('connected as 2025-era from the era cache (no probe)');
      return connected;
    } catch (error) {
      log.info('the cached protocol era no longer fits this server; probing again', { error: describeError(error) });
      await cache.forget(options.url);
    }
  }
  const connected = await connectOnce(options);
  await cache.set(options.url, 'discover', connected.kind === 'http' && isModernVersion(connected.client.getNegotiatedProtocolVersion()) ? 'modern' : 'legacy');
  return connected;
}

async function connectOnce(options: ConnectClientOptions): Promise<ConnectedClient> {
  const first: TransportKind = options.transport === 'sse' ? 'sse' : 'http';
  try {
    return await tryConnect(first, options);
  } catch (error) {
    const failure = classifyRemoteFailure(error, { hasSession: false, firstRequest: true });
    if (options.transport === 'auto' && failure.kind === 'not-streamable-http') {
      (options.logger ?? silentLogger).info(`remote answered HTTP ${failure.status} to Streamable HTTP; falling back to legacy SSE`);
      try {
        return await tryConnect('sse', options);
      } catch (sseError) {
        throw mapConnectFailure(sseError, options.url);
      }
    }
    throw mapConnectFailure(error, options.url);
  }
}
