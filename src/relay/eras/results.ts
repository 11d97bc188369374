import { MODERN_PROTOCOL_VERSION, SERVER_INFO_KEY, SUBSCRIPTION_ID_KEY, type JsonObject } from './protocol.js';
import type { JsonRpcId, JsonRpcNotification } from '../../shared/jsonrpc.js';
import { isObject } from '../../shared/is-object.js';

/** Requests that may be answered with an `input_required` result (spec: basic/patterns/mrtr). */
export const MRTR_METHODS: readonly string[] = ['tools/call', 'prompts/get', 'resources/read'];

/** The server→client requests of the 2025 era and the client capability each needs. */
export const SERVER_REQUEST_CAPABILITY: Readonly<Record<string, string>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

/** Results that must carry the SEP-2549 cache hints (`ttlMs`, `cacheScope`) in 2026-07-28. */
export const CACHEABLE_METHODS: readonly string[] = ['server/discover', 'tools/list', 'prompts/list', 'resources/list', 'resources/read', 'resources/templates/list'];

/**
 * A cacheable result with the hints a 2026-07-28 client requires: the peer's own when valid, else the
 * most conservative ones (`ttlMs: 0`, immediately stale; `cacheScope: "private"`, never shared across
 * principals).
 */
export function withCacheHints(result: JsonObject): JsonObject {
  const out: JsonObject = { ...result };
  if (typeof out.ttlMs !== 'number' || !Number.isInteger(out.ttlMs) || out.ttlMs < 0) out.ttlMs = 0;
  if (out.cacheScope !== 'public' && out.cacheScope !== 'private') out.cacheScope = 'private';
  return out;
}

/**
 * A 2025-era result as a 2026-07-28 client requires it: with `resultType`, and on cacheable results
 * the most conservative cache hints (immediately stale, private to the principal).
 */
export function completeResult(result: JsonObject, method?: string): JsonObject {
  const out: JsonObject = typeof result.resultType === 'string' ? { ...result } : { ...result, resultType: 'complete' };
  return method !== undefined && CACHEABLE_METHODS.includes(method) && out.resultType === 'complete' ? withCacheHints(out) : out;
}

/**
 * `server/discover` synthesised from a 2025-era child's `initialize` result. `supportedVersions` are
 * the versions the endpoint serves (the proxy: 2026-07-28 and the 2025 revisions, the same list as its
 * `-32022` error); the cache hints are the conservative ones, a 2025 child giving none.
 */
export function discoverFromInitialize(init: JsonObject, supportedVersions: readonly string[] = [MODERN_PROTOCOL_VERSION]): JsonObject {
  const meta = isObject(init._meta) ? init._meta : {};
  return {
    supportedVersions: [...supportedVersions],
    capabilities: isObject(init.capabilities) ? init.capabilities : {},
    ...(typeof init.instructions === 'string' ? { instructions: init.instructions } : {}),
    resultType: 'complete',
    ttlMs: 0,
    cacheScope: 'private',
    _meta: { ...meta, ...(isObject(init.serverInfo) ? { [SERVER_INFO_KEY]: init.serverInfo } : {}) },
  };
}

/**
 * An `initialize` result synthesised from a modern child's `server/discover` answer, for a 2025-era
 * client: the client's requested version when this side serves it, else the newest legacy one.
 */
export function initializeFromDiscover(discover: JsonObject, requested: unknown, legacyVersions: readonly string[]): JsonObject {
  const meta = isObject(discover._meta) ? discover._meta : {};
  const serverInfo = isObject(meta[SERVER_INFO_KEY]) ? meta[SERVER_INFO_KEY] : { name: 'mcp-server', version: '0.0.0' };
  const version = typeof requested === 'string' && legacyVersions.includes(requested) ? requested : legacyVersions[0];
  return {
    protocolVersion: version,
    capabilities: isObject(discover.capabilities) ? discover.capabilities : {},
    serverInfo,
    ...(typeof discover.instructions === 'string' ? { instructions: discover.instructions } : {}),
  };
}

/** The embedded form of a child's server→client request: method and params, without JSON-RPC framing or `_meta`. */
export function inputRequestOf(method: string, params: JsonObject | undefined): JsonObject {
  const { _meta: _dropped, ...rest } = params ?? {};
  return method === 'roots/list' && Object.keys(rest).length === 0 ? { method } : { method, params: rest };
}

export function inputRequiredResult(inputRequests: JsonObject, requestState: string): JsonObject {
  return { resultType: 'input_required', inputRequests, requestState };
}

export interface SubscriptionFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

export function readFilter(params: unknown): SubscriptionFilter {
  const raw = isObject(params) && isObject(params.notifications) ? params.notifications : {};
  const uris = Array.isArray(raw.resourceSubscriptions) ? raw.resourceSubscriptions.filter((u): u is string => typeof u === 'string') : undefined;
  return {
    ...(raw.toolsListChanged === true ? { toolsListChanged: true } : {}),
    ...(raw.promptsListChanged === true ? { promptsListChanged: true } : {}),
    ...(raw.resourcesListChanged === true ? { resourcesListChanged: true } : {}),
    ...(uris ? { resourceSubscriptions: uris } : {}),
  };
}

/** The part of a listen filter a 2025-era child with these capabilities can honour. */
export function honouredFilter(filter: SubscriptionFilter, caps: JsonObject): SubscriptionFilter {
  const cap = (name: string, flag: string): boolean => isObject(caps[name]) && (caps[name] as JsonObject)[flag] === true;
  return {
    ...(filter.toolsListChanged && cap('tools', 'listChanged') ? { toolsListChanged: true } : {}),
    ...(filter.promptsListChanged && cap('prompts', 'listChanged') ? { promptsListChanged: true } : {}),
    ...(filter.resourcesListChanged && cap('resources', 'listChanged') ? { resourcesListChanged: true } : {}),
    ...(filter.resourceSubscriptions && cap('resources', 'subscribe') ? { resourceSubscriptions: filter.resourceSubscriptions } : {}),
  };
}

/** Whether a child's unsolicited notification is one this listen filter opted in to. */
export function filterMatches(filter: SubscriptionFilter, n: JsonRpcNotification): boolean {
  switch (n.method) {
    case 'notifications/tools/list_changed': return filter.toolsListChanged === true;
    case 'notifications/prompts/list_changed': return filter.promptsListChanged === true;
    case 'notifications/resources/list_changed': return filter.resourcesListChanged === true;
    case 'notifications/resources/updated': return typeof n.params?.uri === 'string' && (filter.resourceSubscriptions ?? []).includes(n.params.uri);
    default: return false;
  }
}

/** A copy of a notification tagged with the listen request it is delivered for. */
export function stampSubscription(n: JsonRpcNotification, subscriptionId: JsonRpcId): JsonRpcNotification {
  const meta = isObject(n.params?._meta) ? n.params._meta : {};
  return { jsonrpc: '2.0', method: n.method, params: { ...n.params, _meta: { ...meta, [SUBSCRIPTION_ID_KEY]: subscriptionId } } };
}

export function acknowledgement(filter: SubscriptionFilter, subscriptionId: JsonRpcId): JsonRpcNotification {
  return { jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: { ...filter }, _meta: { [SUBSCRIPTION_ID_KEY]: subscriptionId } } };
}

const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Whether a log notification at `level` passes a request's `logLevel` (unknown levels pass). */
export function logLevelPasses(level: unknown, threshold: string): boolean {
  const at = LEVELS.indexOf(typeof level === 'string' ? level : '');
  const min = LEVELS.indexOf(threshold);
  return at < 0 || min < 0 || at >= min;
}
