/**
 * Which of the four bridge routes serves this run: the local client's era (from its first message)
 * against the remote's era (from `--protocol`, or a probe). Pure decisions; the probes themselves live
 * in remote-era-probe.ts.
 *
 * The rule: adapt only when the remote does not speak the local client's era.
 *   - local 2026-07-28 client: ask the remote `server/discover`; a modern answer → pass through,
 *     anything else → the remote is 2025-era and `ModernClientOnLegacyPeer` adapts.
 *   - local 2025 client: ask whether the remote still serves 2025 requests (a session-less,
 *     envelope-less `ping`); only a modern-only remote (-32022 naming no 2025 revision) is adapted,
 *     through `LegacyClientOnModernPeer`. A dual-era remote (mcp-proxy itself) keeps its 2025 sessions.
 */

import type { JsonRpcMessage } from '../../shared/jsonrpc.js';
import { isModernVersion, metaOf, PROTOCOL_VERSION_KEY } from '../../relay/eras/protocol.js';
import type { TransportMode } from '../remote/remote-channel.js';

export type Era = 'legacy' | 'modern';
export type ProtocolMode = 'auto' | Era;

export type Route =
  /** 2025 client, 2025-capable remote: the session bridge (bridge.ts), unchanged. */
  | 'legacy'
  /** 2026-07-28 client, modern remote: stateless pass-through (modern-bridge.ts). */
  | 'modern'
  /** 2026-07-28 client, 2025-era remote: ModernClientOnLegacyPeer in front of the session bridge. */
  | 'modern-on-legacy'
  /** 2025 client, modern-only remote: LegacyClientOnModernPeer in front of the stateless remote. */
  | 'legacy-on-modern';

export type RemoteProbe = 'discover' | 'serves-legacy';

/** The local client's era, from the first message it sends. */
export function localEraOf(message: JsonRpcMessage): Era {
  if ('method' in message && message.method === 'initialize') return 'legacy';
  const version = 'method' in message ? metaOf(message.params)?.[PROTOCOL_VERSION_KEY] : undefined;
  return isModernVersion(version) ? 'modern' : 'legacy';
}

/** The remote's era when configuration settles it, else the probe that decides it. */
export function remoteEraSetting(local: Era, protocol: ProtocolMode, transport: TransportMode): { era: Era } | { probe: RemoteProbe } {
  if (transport === 'sse') return { era: 'legacy' }; // legacy HTTP+SSE is a 2024-11-05 transport
  if (protocol !== 'auto') return { era: protocol };
  return { probe: local === 'modern' ? 'discover' : 'serves-legacy' };
}

export function routeFor(local: Era, remote: Era): Route {
  if (local === remote) return local;
  return local === 'modern' ? 'modern-on-legacy' : 'legacy-on-modern';
}
