/**
 * What the bridge remembers of the local client's handshake, and the replay it sends to a fresh remote
 * session: the original `initialize` under an id of our own (so its response can be recognised and
 * swallowed) followed by the original `notifications/initialized`. Pure.
 */

import type { JsonRpcNotification, JsonRpcRequest } from '../../shared/jsonrpc.js';

export const REPLAY_ID_PREFIX = 'mcp-client/replay-initialize/';

export interface HandshakeRecord {
  initialize?: JsonRpcRequest;
  initialized?: JsonRpcNotification;
}

export function replayInitialize(record: HandshakeRecord, generation: number): JsonRpcRequest | undefined {
  if (!record.initialize) return undefined;
  return { ...record.initialize, id: `${REPLAY_ID_PREFIX}${generation}` };
}

export function isReplayId(id: unknown): id is string {
  return typeof id === 'string' && id.startsWith(REPLAY_ID_PREFIX);
}

/** The protocol version the server picked, from an initialize result. */
export function negotiatedVersion(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const v = (result as { protocolVersion?: unknown }).protocolVersion;
  return typeof v === 'string' ? v : undefined;
}
