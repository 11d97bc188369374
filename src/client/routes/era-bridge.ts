/**
 * The stdio bridge's entry: waits for the local client's first message (its era), settles the remote's
 * era (`--protocol`, or one probe with backoff while the remote is unreachable), then hands stdin and
 * stdout to one of the four routes of era-route.ts. Messages that arrive meanwhile are buffered and
 * replayed; if no route can start, buffered requests are answered with the error before it is thrown.
 */

import { SERVER_ERROR } from '../../shared/jsonrpc.js';
import { silentLogger } from '../../shared/logger.js';
import { runBridge, type BridgeExit, type BridgeOptions } from './session-bridge.js';
import { localEraOf, remoteEraSetting, routeFor, type Era, type ProtocolMode, type RemoteProbe } from './era-route.js';
import { LocalEdge } from './local-edge.js';
import { runRelayedBridge } from './relayed-bridge.js';
import type { EraCache } from '../remote/era-cache.js';
import type { FetchLike } from '../../shared/fetch-like.js';
import { jsonRpcErrorOf, probeRemote } from '../remote/remote-era-probe.js';
import { nextRetryDelay, realSleep, remoteGoneError } from '../remote/retry-policy.js';
import { runLegacyOnModernBridge, runModernBridge } from './stateless-bridge.js';

export interface EraBridgeOptions extends BridgeOptions {
  protocol: ProtocolMode;
  clientInfo: { name: string; version: string };
  /** Remembers probe answers per server (era-cache.ts); without it every connect probes. */
  eraCache?: EraCache;
}

/**
 * A fetch that reports a cached era as stale when the remote refuses the first POST of the route it chose
 * with a JSON-RPC error in a 4xx (other than 401/403): a server that was upgraded or downgraded since.
 * A bare 404/405 is left alone: that is a legacy-SSE-only server, which the route handles.
 */
export function watchFirstPost(fetch: FetchLike, onStale: (status: number) => void): FetchLike {
  let first = true;
  return async (input, init) => {
    const response = await fetch(input, init);
    if (first && init?.method === 'POST') {
      first = false;
      const status = response.status;
      if (status >= 400 && status < 500 && status !== 401 && status !== 403) {
        const text = await response.clone().text().catch(() => undefined);
        if (jsonRpcErrorOf(text)) onStale(status);
      }
    }
    return response;
  };
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
    if (verdict.kind === 'era') {
      await options.eraCache?.set(options.url, probe, verdict.era);
      return verdict.era;
    }
    if (verdict.kind === 'fatal') throw verdict.error;
    if (verdict.kind === 'confirm') throw new Error('unreachable: probeRemote settles confirm verdicts');
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
  const gate = new LocalEdge(options.local, log);
  const first = await gate.first();
  if (!first) return { reason: 'local-closed', sessionDeleted: false };
  const localEra = localEraOf(first as Parameters<typeof localEraOf>[0]);
  const setting = remoteEraSetting(localEra, options.protocol, options.transport);
  let remoteEra: Era;
  let cached: Era | undefined;
  try {
    cached = 'probe' in setting ? await options.eraCache?.get(options.url, setting.probe) : undefined;
    const settled = 'era' in setting ? setting.era : (cached ?? (await settleByProbe(setting.probe, options, gate.closed)));
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
  log.info('protocol route chosen', { local: localEra, remote: remoteEra, route, ...('probe' in setting ? { probe: setting.probe, cached: cached !== undefined } : {}) });
  const cache = cached !== undefined ? options.eraCache : undefined;
  let forgetting: Promise<void> | undefined;
  const forget = (why: string): void => {
    if (!cache || forgetting) return;
    log.info('the cached protocol era no longer fits this server; the next connect probes again', { why });
    forgetting = cache.forget(options.url);
  };
  const fetch = cache ? watchFirstPost(options.fetch, (status) => forget(`HTTP ${status} to the first request`)) : options.fetch;
  const { local: _stdio, ...rest } = options;
  const routed = { ...rest, fetch, edge: gate };
  const run = (): Promise<BridgeExit> => {
    switch (route) {
      case 'legacy': return runBridge(routed);
      case 'modern': return runModernBridge(routed);
      case 'modern-on-legacy': return runRelayedBridge(routed);
      case 'legacy-on-modern': return runLegacyOnModernBridge(routed);
    }
  };
  try {
    return await run();
  } catch (error) {
    forget('the route failed');
    throw error;
  } finally {
    await forgetting;
  }
}
