/**
 * The channels of the remote session (remote-session.ts): the current channel, which transport it
 * uses, and the local client's handshake, replayed transparently when a session expires. Opening and
 * re-initializing are single-flight, so concurrent failures lead to one new session.
 */

import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { ClientError } from '../../shared/errors.js';
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import type { FetchLike } from '../../shared/fetch-like.js';
import { negotiatedVersion, replayInitialize, type HandshakeRecord } from '../routes/handshake-replay.js';
import { openChannel, type RemoteChannel, type TransportKind, type TransportMode } from './remote-channel.js';
import { isStreamSessionExpiry } from './remote-failure.js';

export interface SessionChannelsOptions {
  url: URL;
  mode: TransportMode;
  fetch: FetchLike;
  logger: Logger;
  /** Bound on the replayed initialize, milliseconds. */
  requestTimeoutMs: number;
  /** Every message from the remote. */
  onmessage(message: JSONRPCMessage): void;
  /**
   * The answer to a request of our own (the replayed initialize), which the session's request table
   * holds back from the local client; `forget` drops the wait when it ends unanswered.
   */
  expect(id: string): Promise<JsonRpcResponse>;
  forget(id: string): void;
  /** A channel's session is gone; requests it accepted will not be answered. */
  onexpired(generation: number): void;
}

export class SessionChannels {
  private kind: TransportKind;
  private channel: RemoteChannel | undefined;
  private opening: Promise<RemoteChannel> | undefined;
  private generation = 0;
  private needsReplay = false;
  private closed = false;
  private readonly handshake: HandshakeRecord = {};

  constructor(private readonly options: SessionChannelsOptions) {
    this.kind = options.mode === 'sse' ? 'sse' : 'http';
  }

  get current(): RemoteChannel | undefined {
    return this.channel;
  }

  get hasHandshake(): boolean {
    return this.handshake.initialize !== undefined;
  }

  recordInitialize(message: JsonRpcRequest): void {
    this.handshake.initialize = message;
    this.needsReplay = false; // the local client is (re-)initializing itself
  }

  recordInitialized(message: JsonRpcNotification): void {
    this.handshake.initialized = message;
  }

  /** Called when the answer to the local client's own initialize passes through. */
  adoptInitializeResult(result: unknown): void {
    const version = negotiatedVersion(result);
    if (version) this.channel?.setProtocolVersion(version);
  }

  /** The channel to send on, opening it and replaying the handshake first when needed. */
  ensure(): Promise<RemoteChannel> {
    if (this.closed) return Promise.reject(new ClientError('REMOTE_CLOSED', 'the bridge is shutting down'));
    if (this.channel && !this.needsReplay) return Promise.resolve(this.channel);
    this.opening ??= this.openAndReplay().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  /** Drops the channel of `generation` after its session expired; the next `ensure` re-initializes. */
  expire(generation: number): void {
    if (!this.channel || this.channel.generation !== generation || this.needsReplay) return;
    const old = this.channel;
    this.channel = undefined;
    this.needsReplay = this.hasHandshake;
    void old.close();
    this.options.onexpired(generation);
  }

  /** --transport auto: the server does not speak Streamable HTTP here; use legacy SSE from now on. */
  async fallBackToSse(from: RemoteChannel, status: number): Promise<void> {
    this.options.logger.info(`remote answered HTTP ${status} to Streamable HTTP; falling back to legacy SSE`);
    this.kind = 'sse';
    if (this.channel === from) this.channel = undefined;
    await from.close();
  }

  /** Deletes the remote session if there is one, then closes. Returns whether a DELETE succeeded. */
  async terminate(): Promise<boolean> {
    this.closed = true;
    const last = this.channel ?? (await this.opening?.catch(() => undefined));
    const deleted = (await last?.terminate()) ?? false;
    await last?.close();
    this.channel = undefined;
    return deleted;
  }

  async close(): Promise<void> {
    this.closed = true;
    const last = this.channel;
    this.channel = undefined;
    await last?.close();
  }

  private async openAndReplay(): Promise<RemoteChannel> {
    try {
      this.channel ??= await this.open();
      if (this.needsReplay) {
        await this.replay(this.channel);
        this.needsReplay = false;
      }
      return this.channel;
    } catch (error) {
      const stale = this.channel;
      this.channel = undefined;
      await stale?.close();
      throw error;
    }
  }

  private open(): Promise<RemoteChannel> {
    this.generation += 1;
    const generation = this.generation;
    return openChannel({
      kind: this.kind,
      url: this.options.url,
      fetch: this.options.fetch,
      generation,
      handlers: {
        onmessage: (message) => this.options.onmessage(message),
        onerror: (error) => this.onRemoteError(error, generation),
      },
    });
  }

  private onRemoteError(error: Error, generation: number): void {
    if (this.closed) return;
    if (isStreamSessionExpiry(error) && this.channel?.generation === generation) {
      this.options.logger.info('remote session expired (event stream 404); starting a new session');
      this.expire(generation);
      this.ensure().catch((e: unknown) => this.options.logger.debug('background re-initialize failed; the next message retries', { error: e }));
      return;
    }
    this.options.logger.debug('remote transport error', { error });
  }

  /** Sends the local client's initialize under our own id, swallows its answer, then `initialized`. */
  private async replay(target: RemoteChannel): Promise<void> {
    const request = replayInitialize(this.handshake, target.generation);
    if (!request) return;
    const id = request.id as string;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const answered = Promise.race([
      this.options.expect(id),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ClientError('TIMEOUT', 'remote did not answer the replayed initialize')), this.options.requestTimeoutMs);
      }),
    ]);
    answered.catch(() => undefined);
    try {
      await target.send(request as JSONRPCMessage);
      const response = await answered;
      if (!('result' in response)) throw new ClientError('PROTOCOL_ERROR', 'remote rejected the replayed initialize');
      const version = negotiatedVersion(response.result);
      if (version) target.setProtocolVersion(version);
      if (this.handshake.initialized) await target.send(this.handshake.initialized as JSONRPCMessage);
      this.options.logger.info('re-initialized the remote session', { generation: target.generation });
    } finally {
      clearTimeout(timer);
      this.options.forget(id);
    }
  }
}
