/**
 * A 2026-07-28 local client on a 2025-era remote: `edge link (local stdio) ⇄ ModernClientOnLegacyPeer
 * ⇄ its mux ⇄ peer link (the remote session)`. The shared translator (the proxy's adapter for a
 * 2025-era child) performs the handshake, answers `server/discover`, adds `resultType`, maps
 * `subscriptions/listen` to `resources/subscribe`, and turns the remote's sampling/elicitation/roots
 * requests into `input_required` results. Envelope keys are taken out of `_meta` on the way to the
 * remote (a dual-era server would classify an enveloped request as 2026-07-28). The remote session is
 * the same link as on the legacy route, so session replay after a 404, the SSE fallback and the outage
 * retry all work exactly as for a 2025 local client.
 */

import { withoutEnvelope } from '../../relay/eras/protocol.js';
import { ModernClientOnLegacyPeer } from '../../relay/eras/modern-client-on-legacy-peer.js';
import type { Link } from '../../relay/link.js';
import { isNotification, isRequest, SERVER_ERROR } from '../../shared/jsonrpc.js';
import { silentLogger } from '../../shared/logger.js';
import { endOfSessionRoute, remoteSessionFor, type BridgeExit, type RouteOptions } from './session-bridge.js';

/**
 * The relay's own per-request timer is effectively off: the local client owns its timeouts and cancels
 * what it gives up on (setTimeout's maximum, about 24.8 days).
 */
const NO_RELAY_TIMEOUT_MS = 2_147_483_647;
/** How long a call parked on `input_required` waits for the local client's retry (a person may be answering). */
const INPUT_TIMEOUT_MS = 10 * 60_000;

export function runRelayedBridge(options: RouteOptions): Promise<BridgeExit> {
  const log = options.logger ?? silentLogger;
  const { edge } = options;
  const remote = remoteSessionFor(options);
  const peer: Link = { send: (m) => remote.send(withoutEnvelope(m)), close: () => void remote.close() };
  const relay = new ModernClientOnLegacyPeer({ peer, requestTimeoutMs: NO_RELAY_TIMEOUT_MS, inputTimeoutMs: INPUT_TIMEOUT_MS, logger: log });
  remote.onmessage = (m) => relay.fromPeer(m);

  edge.onmessage = (m) => {
    if (isRequest(m)) {
      // What the translator delivers for this exchange belongs to the local request `m.id`.
      relay.open(m, { id: m.id, deliver: (out) => void edge.send(out, m.id) });
    } else if (isNotification(m) && m.method === 'notifications/cancelled') {
      const requestId = m.params?.requestId;
      if (typeof requestId === 'string' || typeof requestId === 'number') relay.cancel(requestId);
    } else {
      log.debug('nothing to relay for this local message on a 2025-era remote', { method: isNotification(m) ? m.method : undefined });
    }
  };
  const done = endOfSessionRoute(options, remote, (error) => relay.close(SERVER_ERROR, `mcp-client: ${error.message}`));
  edge.start();
  return done;
}
