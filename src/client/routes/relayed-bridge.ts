/**
 * A 2026-07-28 local client on a 2025-era remote. The shared `ModernClientOnLegacyPeer` (the proxy's adapter
 * for a 2025-era child) performs the handshake, answers `server/discover`, adds `resultType`, maps
 * `subscriptions/listen` to `resources/subscribe`, and turns the remote's sampling/elicitation/roots
 * requests into `input_required` results. Envelope keys are taken out of `_meta` on the way (a dual-era
 * server would classify an enveloped request as 2026-07-28). Its "child" is the session bridge (bridge.ts) driven through
 * an in-memory local transport, so session replay after a 404, the SSE fallback and the outage retry
 * all work exactly as for a 2025 local client.
 */

import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { withoutEnvelope } from '../../relay/eras/protocol.js';
import { ModernClientOnLegacyPeer } from '../../relay/eras/modern-client-on-legacy-peer.js';
import type { Link } from '../../relay/link.js';
import { isNotification, isRequest, isResponse, SERVER_ERROR, type JsonRpcMessage } from '../../shared/jsonrpc.js';
import { silentLogger } from '../../shared/logger.js';
import { runBridge, type BridgeExit, type BridgeOptions } from './session-bridge.js';
import { MemoryLocal } from './local-transports.js';
import { idKey } from './pending-requests.js';

/**
 * The relay's own per-request timer is effectively off: the local client owns its timeouts and cancels
 * what it gives up on (setTimeout's maximum, about 24.8 days).
 */
const NO_RELAY_TIMEOUT_MS = 2_147_483_647;
/** How long a call parked on `input_required` waits for the local client's retry (a person may be answering). */
const INPUT_TIMEOUT_MS = 10 * 60_000;

export function runRelayedBridge(options: BridgeOptions): Promise<BridgeExit> {
  const log = options.logger ?? silentLogger;
  const { local } = options;
  const cancels = new Map<string, () => void>();
  const toLocal = (m: JsonRpcMessage): void => {
    local.send(m as JSONRPCMessage).catch((error: unknown) => log.debug('could not write to the local client', { error }));
  };

  const inner: MemoryLocal = new MemoryLocal((m) => relay.fromPeer(m));
  const peer: Link = { send: (m) => inner.emit(withoutEnvelope(m)), close: () => inner.close() };
  const relay = new ModernClientOnLegacyPeer({ peer, requestTimeoutMs: NO_RELAY_TIMEOUT_MS, inputTimeoutMs: INPUT_TIMEOUT_MS, logger: log });

  local.onmessage = (message) => {
    const m = message as JsonRpcMessage;
    if (isRequest(m)) {
      const key = idKey(m.id);
      let answered = false;
      const cancel = relay.open(m, {
        id: m.id,
        deliver: (out) => {
          if (isResponse(out)) {
            answered = true;
            cancels.delete(key);
          }
          toLocal(out);
        },
      });
      if (!answered) cancels.set(key, cancel);
    } else if (isNotification(m) && m.method === 'notifications/cancelled') {
      const requestId = m.params?.requestId;
      if (typeof requestId !== 'string' && typeof requestId !== 'number') return;
      const key = idKey(requestId);
      cancels.get(key)?.();
      cancels.delete(key);
    } else {
      log.debug('nothing to relay for this local message on a 2025-era remote', { method: isNotification(m) ? m.method : undefined });
    }
  };
  local.onerror = (error) => log.warn('ignoring an unreadable message from the local client', { error: error.message });
  local.onclose = () => void inner.close();

  const done = runBridge({ ...options, local: inner });
  done.catch((error: Error) => {
    relay.close(SERVER_ERROR, `mcp-client: ${error.message}`);
    void local.close().catch(() => undefined);
  });
  void local.start();
  return done;
}
