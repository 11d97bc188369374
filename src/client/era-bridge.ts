/**
 * The stdio bridge's entry: waits for the local client's first message (its era), settles the remote's
 * era (`--protocol`, or one probe with backoff while the remote is unreachable), then hands stdin and
 * stdout to one of the four routes of era-route.ts. Messages that arrive meanwhile are buffered and
 * replayed; if no route can start, buffered requests are answered with the error before it is thrown.
 */

import { SERVER_ERROR } from '../shared/jsonrpc.js';
import { silentLogger } from '../shared/logger.js';
import { runBridge, type BridgeExit, type BridgeOptions } from './bridge.js';
import { localEraOf, remoteEraSetting, routeFor, type Era, type ProtocolMode, type RemoteProbe } from './era-route.js';
import { LocalGate } from './local-transports.js';
import { runRelayedBridge } from './relayed-bridge.js';
import { probeRemote } from './remote-era-probe.js';
import { nextRetryDelay, realSleep, remoteGoneError } from './retry-policy.js';
import { runLegacyOnModernBridge, runModernBridge } from './stateless-bridge.js';

export interface EraBridgeOptions extends BridgeOptions {
  protocol: ProtocolMode;
  clientInfo: { name: string; version: string };
}

/**
 * Runs one probe until it gives a verdict, retrying an unreachable or failing remote within the budget.
 * Undefined when the local client went away meanwhile: nobody is left to bridge for.
 */
async function settleByProbe(probe: RemoteProbe, options: EraBridgeOptions, localClosed: Promise<void>): Promise<Era | undefined> {
  let gone = false;
  void localClosed.then(() => (gone = true));
  const log = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  let outageStartedAt: number | undefined;
  for (let attempt = 0; ; attempt += 1) {
    const verdict = await probeRemote(probe, { url: options.url, fetch: options.fetch, timeoutMs: options.requestTimeoutMs, clientInfo: options.clientInfo });
    if (verdict.kind === 'era') return verdict.era;
    if (verdict.kind === 'fatal') throw verdict.error;
    outageStartedAt ??= now();
    const delay = nextRetryDelay(outageStartedAt, now(), attempt, options.retry);
    const seconds = Math.round(options.retry.budgetMs / 1000);
    if (delay === undefined) throw remoteGoneError(options.url, options.retry, verdict.error);
    if (attempt === 0) log.warn(`${verdict.error.message}; retrying for up to ${seconds}s`);
    await Promise.race([sleep(delay), localClosed]);
    if (gone) return undefined;
  }
}

export async function runEraBridge(options: EraBridgeOptions): Promise<BridgeExit> {
  const log = options.logger ?? silentLogger;
  const gate = new LocalGate(options.local, (error) => log.warn('ignoring an unreadable message from the local client', { error: error.message }));
  const first = await gate.first();
  if (!first) return { reason: 'local-closed', sessionDeleted: false };
  const localEra = localEraOf(first as Parameters<typeof localEraOf>[0]);
  const setting = remoteEraSetting(localEra, options.protocol, options.transport);
  let remoteEra: Era;
  try {
    const settled = 'era' in setting ? setting.era : await settleByProbe(setting.probe, options, gate.closed);
    if (settled === undefined) {
      log.info('local client closed stdin while the remote was unreachable; stopping');
      return { reason: 'local-closed', sessionDeleted: false };
    }
    remoteEra = settled;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await gate.failBuffered(SERVER_ERROR, `mcp-client: ${message}`);
    await gate.close().catch(() => undefined);
    throw error;
  }
  const route = routeFor(localEra, remoteEra);
  log.info('protocol route chosen', { local: localEra, remote: remoteEra, route, ...('probe' in setting ? { probe: setting.probe } : {}) });
  const routed = { ...options, local: gate };
  switch (route) {
    case 'legacy': return runBridge(routed);
    case 'modern': return runModernBridge(routed);
    case 'modern-on-legacy': return runRelayedBridge(routed);
    case 'legacy-on-modern': return runLegacyOnModernBridge(routed);
  }
}
