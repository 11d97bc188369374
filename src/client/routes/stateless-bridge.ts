/**
 * The bridge toward a 2026-07-28 remote (`ModernRemote`: one POST per request, no session), in two
 * shapes:
 *   - `modern`: the local client speaks 2026-07-28 too, so its messages pass straight through (ids,
 *     envelope and `_meta` untouched; `notifications/cancelled` aborts the request's POST);
 *   - `legacy-on-modern`: a 2025 local client, adapted by the shared `LegacyClientOnModernPeer` (the same
 *     one mcp-proxy uses for a 2025 session on a modern-only child).
 * Both end when stdin closes (resolve) or the remote stays unreachable for the budget (reject).
 */

import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { LegacyClientOnModernPeer } from '../../relay/eras/legacy-client-on-modern-peer.js';
import { LEGACY_PROTOCOL_VERSIONS } from '../../relay/eras/protocol.js';
import type { ClientError } from '../../shared/errors.js';
import { isNotification, isRequest, SERVER_ERROR, type JsonRpcMessage } from '../../shared/jsonrpc.js';
import { silentLogger } from '../../shared/logger.js';
import type { BridgeExit, BridgeOptions, LocalTransport } from './session-bridge.js';
import { ModernRemote } from '../remote/modern-remote.js';

export type StatelessBridgeOptions = Pick<BridgeOptions, 'url' | 'fetch' | 'retry' | 'logger' | 'now' | 'sleep'> & { local: LocalTransport };

/** What sits between the local client and the remote. */
interface Translator {
  fromLocal(message: JsonRpcMessage): void;
  fromRemote(message: JsonRpcMessage): void;
  gone(error: ClientError): void;
}

type TranslatorFactory = (toRemote: (message: JsonRpcMessage) => boolean, toLocal: (message: JsonRpcMessage) => void) => Translator;

/** Hands a message to the remote the stateless way; true unless the bridge is closing. */
function remoteSender(remote: ModernRemote): (message: JsonRpcMessage) => boolean {
  return (message) => {
    if (isRequest(message)) remote.request(message);
    else if (isNotification(message) && message.method === 'notifications/cancelled') {
      const id = message.params?.requestId;
      if (typeof id === 'string' || typeof id === 'number') remote.cancel(id);
    } else if (isNotification(message)) remote.notify(message);
    return true;
  };
}

function runStateless(options: StatelessBridgeOptions, makeTranslator: TranslatorFactory): Promise<BridgeExit> {
  const log = options.logger ?? silentLogger;
  const { local } = options;
  let finished = false;
  const remote = new ModernRemote({
    url: options.url,
    fetch: options.fetch,
    logger: log,
    retry: options.retry,
    ...(options.now ? { now: options.now } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    onmessage: (m) => translator.fromRemote(m),
    ongone: (error) => fail(error),
  });
  const toLocal = (m: JsonRpcMessage): void => {
    local.send(m as JSONRPCMessage).catch((error: unknown) => log.debug('could not write to the local client', { error }));
  };
  const translator = makeTranslator(remoteSender(remote), toLocal);

  let settle!: { resolve: (exit: BridgeExit) => void; reject: (error: ClientError) => void };
  const done = new Promise<BridgeExit>((resolve, reject) => (settle = { resolve, reject }));
  const fail = (error: ClientError): void => {
    if (finished) return;
    finished = true;
    translator.gone(error);
    void remote.close().then(() => local.close().catch(() => undefined)).then(() => settle.reject(error));
  };

  local.onmessage = (m) => {
    if (!finished) translator.fromLocal(m as JsonRpcMessage);
  };
  local.onerror = (error) => log.warn('ignoring an unreadable message from the local client', { error: error.message });
  local.onclose = () => {
    if (finished) return;
    finished = true;
    void remote.close().then(() => settle.resolve({ reason: 'local-closed', sessionDeleted: false }));
  };
  void remote.start().then(() => local.start());
  return done;
}

/** 2026-07-28 local client, 2026-07-28 remote: pass-through. */
export function runModernBridge(options: StatelessBridgeOptions): Promise<BridgeExit> {
  return runStateless(options, (toRemote, toLocal) => ({
    fromLocal: (m) => {
      if (isRequest(m) || isNotification(m)) toRemote(m);
      else (options.logger ?? silentLogger).debug('dropping a response from the local client: 2026-07-28 servers ask through input_required results');
    },
    fromRemote: toLocal,
    gone: () => undefined, // ModernRemote already answered every request in flight
  }));
}

/** 2025 local client, modern-only remote: the shared adapter in between. */
export function runLegacyOnModernBridge(options: StatelessBridgeOptions): Promise<BridgeExit> {
  return runStateless(options, (toRemote, toLocal) => {
    const adapter = new LegacyClientOnModernPeer({ peer: { send: toRemote, close: () => undefined }, legacyVersions: LEGACY_PROTOCOL_VERSIONS });
    adapter.onmessage = toLocal;
    return {
      fromLocal: (m) => adapter.send(m),
      fromRemote: (m) => adapter.fromPeer(m),
      gone: (error) => adapter.fail(SERVER_ERROR, `mcp-client: ${error.message}`),
    };
  });
}
