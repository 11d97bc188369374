/**
 * The routes toward a 2026-07-28 remote (`ModernRemote`, a link: one POST per request, no session):
 *   - `modern`: the local client speaks 2026-07-28 too, `edge link (local stdio) ⇄ peer link`: its
 *     messages pass straight through (ids, envelope and `_meta` untouched; `notifications/cancelled`
 *     aborts the request's POST);
 *   - `legacy-on-modern`: a 2025 local client, `edge link ⇄ LegacyClientOnModernPeer ⇄ its mux ⇄ peer
 *     link` (the same translator mcp-proxy uses for a 2025 session on a modern-only child).
 * Both end when stdin closes (resolve) or the remote stays unreachable for the budget (reject).
 */

import { LegacyClientOnModernPeer } from '../../relay/eras/legacy-client-on-modern-peer.js';
import { LEGACY_PROTOCOL_VERSIONS } from '../../relay/eras/protocol.js';
import type { Link } from '../../relay/link.js';
import type { ClientError } from '../../shared/errors.js';
import { SERVER_ERROR } from '../../shared/jsonrpc.js';
import { silentLogger } from '../../shared/logger.js';
import type { BridgeExit, RouteOptions } from './session-bridge.js';
import { ModernRemote } from '../remote/modern-remote.js';

export type StatelessRouteOptions = Pick<RouteOptions, 'url' | 'fetch' | 'retry' | 'logger' | 'now' | 'sleep' | 'edge'>;

/**
 * Wires `edge ⇄ middle ⇄ remote`, where `middle` is the edge's view of the path (the remote itself, or a
 * translator); `gone` hears the remote's end before the local side is closed.
 */
function runStateless(options: StatelessRouteOptions, wire: (remote: ModernRemote) => { gone(error: ClientError): void }): Promise<BridgeExit> {
  const { edge } = options;
  const remote = new ModernRemote({
    url: options.url,
    fetch: options.fetch,
    logger: options.logger ?? silentLogger,
    retry: options.retry,
    ...(options.now ? { now: options.now } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const { gone } = wire(remote);
  let ended = false;
  const done = new Promise<BridgeExit>((resolve, reject) => {
    remote.onclose = (error) => {
      if (!error || ended) return;
      ended = true;
      gone(error);
      void remote.close().then(() => edge.close().catch(() => undefined)).then(() => reject(error));
    };
    edge.onclose = () => {
      if (ended) return;
      ended = true;
      void remote.close().then(() => resolve({ reason: 'local-closed', sessionDeleted: false }));
    };
  });
  void remote.start().then(() => edge.start());
  return done;
}

/** 2026-07-28 local client, 2026-07-28 remote: pass-through (the remote already answered every request when it is gone). */
export function runModernBridge(options: StatelessRouteOptions): Promise<BridgeExit> {
  return runStateless(options, (remote) => {
    remote.onmessage = (m) => void options.edge.send(m);
    options.edge.onmessage = (m) => void remote.send(m);
    return { gone: () => undefined };
  });
}

/** 2025 local client, modern-only remote: the shared translator in between. */
export function runLegacyOnModernBridge(options: StatelessRouteOptions): Promise<BridgeExit> {
  return runStateless(options, (remote) => {
    // The translator ends the path, not the remote: closing is the route's (runStateless) to decide.
    const peer: Link<never> = { send: (m) => remote.send(m), close: () => undefined };
    const adapter = new LegacyClientOnModernPeer({ peer, legacyVersions: LEGACY_PROTOCOL_VERSIONS });
    adapter.onmessage = (m) => void options.edge.send(m);
    remote.onmessage = (m) => adapter.fromPeer(m);
    options.edge.onmessage = (m) => void adapter.send(m);
    return { gone: (error) => adapter.fail(SERVER_ERROR, `mcp-client: ${error.message}`) };
  });
}
