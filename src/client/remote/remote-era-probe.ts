/**
 * The two probes `--protocol auto` uses (see era-route.ts), each a single HTTP request with no side
 * effect on the server: `server/discover` with the 2026-07-28 envelope (does the remote speak the
 * stateless revision?) and a session-less, envelope-less `ping` (does it still serve 2025 requests?).
 * The verdicts are pure functions of what came back; only they interpret status codes and bodies.
 */

import { StreamableHTTPClientTransport, SdkHttpError, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { ClientError, describeError, isClientError, typedCause } from '../../shared/errors.js';
import { isResponse, METHOD_NOT_FOUND, type JsonRpcMessage } from '../../shared/jsonrpc.js';
import { CLIENT_CAPABILITIES_KEY, CLIENT_INFO_KEY, LEGACY_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSION, PROTOCOL_VERSION_KEY, UNSUPPORTED_PROTOCOL_VERSION } from '../../relay/eras/protocol.js';
import type { Era, RemoteProbe } from '../routes/era-route.js';
import type { FetchLike } from '../../shared/fetch-like.js';
import { httpStatusError, reasonFromBody, type UserError } from './remote-failure.js';
import { isObject } from '../../shared/is-object.js';

/** What one probe request produced. */
export type ProbeOutcome =
  | { kind: 'message'; message: JsonRpcMessage }
  | { kind: 'http'; status: number; text: string | undefined }
  | { kind: 'failed'; error: UserError };

/**
 * A verdict, or why there is none yet: `retry` (worth trying again within the outage budget), `fatal`, or
 * `confirm` (the answer suggests a 2026-07-28-only server; `server/discover` settles it).
 */
export type ProbeVerdict = { kind: 'era'; era: Era } | { kind: 'retry'; error: ClientError } | { kind: 'fatal'; error: UserError } | { kind: 'confirm' };

const PROBE_ID = 'mcp-client/era-probe';

/** The JSON-RPC error in an HTTP error body, if it carries one. */
export function jsonRpcErrorOf(text: string | undefined): { code: number; data: unknown } | undefined {
  if (!text) return undefined;
  try {
    const body = JSON.parse(text) as unknown;
    const error = isObject(body) ? body.error : undefined;
    return isObject(error) && typeof error.code === 'number' ? { code: error.code, data: error.data } : undefined;
  } catch {
    return undefined;
  }
}

/** Verdicts every probe shares: credentials refused, server trouble, nothing reached. */
function commonVerdict(outcome: ProbeOutcome): ProbeVerdict | undefined {
  if (outcome.kind === 'failed') {
    const { error } = outcome;
    if (isClientError(error, 'CONNECT_FAILED') || isClientError(error, 'TIMEOUT')) return { kind: 'retry', error };
    return { kind: 'fatal', error };
  }
  if (outcome.kind !== 'http') return undefined;
  const reason = reasonFromBody(outcome.text);
  if (outcome.status === 401 || outcome.status === 403) return { kind: 'fatal', error: httpStatusError(outcome.status, reason) };
  if (outcome.status >= 500) return { kind: 'retry', error: httpStatusError(outcome.status, reason) };
  return undefined;
}

/** `server/discover`: modern exactly when the answer offers 2026-07-28. Pure. */
export function discoverVerdict(outcome: ProbeOutcome): ProbeVerdict {
  const common = commonVerdict(outcome);
  if (common) return common;
  if (outcome.kind === 'message' && isResponse(outcome.message) && 'result' in outcome.message && isObject(outcome.message.result)) {
    const versions = outcome.message.result.supportedVersions;
    if (Array.isArray(versions) && versions.includes(MODERN_PROTOCOL_VERSION)) return { kind: 'era', era: 'modern' };
  }
  return { kind: 'era', era: 'legacy' };
}

/**
 * Session-less `ping` without an envelope: only a modern-only server refuses it with -32022 naming no
 * 2025 revision. A 2025 server answers 400 (no session), or a result (stateless), or 404/405. Every 2025
 * server implements `ping`, which 2026-07-28 removed, so "method not found" (-32601, e.g. with HTTP 404)
 * points to a 2026-07-28-only server: `confirm` asks `server/discover` before believing it. Pure.
 */
export function servesLegacyVerdict(outcome: ProbeOutcome): ProbeVerdict {
  const common = commonVerdict(outcome);
  if (common) return common;
  const rpc = outcome.kind === 'http' ? jsonRpcErrorOf(outcome.text) : outcome.kind === 'message' && 'error' in outcome.message ? outcome.message.error : undefined;
  if (rpc?.code === UNSUPPORTED_PROTOCOL_VERSION) {
    const supported = isObject(rpc.data) && Array.isArray(rpc.data.supported) ? rpc.data.supported : [];
    const servesLegacy = supported.some((v) => LEGACY_PROTOCOL_VERSIONS.includes(v as string));
    if (supported.length > 0 && !servesLegacy) return { kind: 'era', era: 'modern' };
  }
  if (rpc?.code === METHOD_NOT_FOUND) return { kind: 'confirm' };
  return { kind: 'era', era: 'legacy' };
}

/** Pure: the serves-legacy answer once `server/discover` was asked to confirm a "method not found". */
export function confirmedVerdict(discover: ProbeVerdict): ProbeVerdict {
  return discover.kind === 'era' ? { kind: 'era', era: discover.era === 'modern' ? 'modern' : 'legacy' } : discover;
}

export interface ProbeOptions {
  url: URL;
  fetch: FetchLike;
  timeoutMs: number;
  clientInfo: { name: string; version: string };
}

function mapProbeError(error: unknown, timeoutMs: number): ProbeOutcome {
  if (error instanceof SdkHttpError) return { kind: 'http', status: error.status, text: typeof error.data.text === 'string' ? error.data.text : undefined };
  const typed = typedCause(error);
  if (typed) return { kind: 'failed', error: typed };
  if (error instanceof Error && error.name === 'TimeoutError') {
    return { kind: 'failed', error: new ClientError('TIMEOUT', `the remote did not answer the protocol probe within ${Math.round(timeoutMs / 1000)}s`, { cause: error }) };
  }
  return { kind: 'failed', error: new ClientError('PROTOCOL_ERROR', `the remote's answer to the protocol probe could not be used (${describeError(error)})`, { cause: error }) };
}

/** POSTs `server/discover` through the SDK transport (JSON or SSE answer) and waits for its response. */
async function discover(options: ProbeOptions): Promise<ProbeOutcome> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const transport = new StreamableHTTPClientTransport(options.url, { fetch: options.fetch });
  try {
    const answered = new Promise<ProbeOutcome>((resolve, reject) => {
      transport.onmessage = (message) => {
        if (isResponse(message) && message.id === PROBE_ID) resolve({ kind: 'message', message: message as JsonRpcMessage });
      };
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
    answered.catch(() => undefined);
    await transport.start();
    const meta = { [PROTOCOL_VERSION_KEY]: MODERN_PROTOCOL_VERSION, [CLIENT_INFO_KEY]: options.clientInfo, [CLIENT_CAPABILITIES_KEY]: {} };
    await transport.send({ jsonrpc: '2.0', id: PROBE_ID, method: 'server/discover', params: { _meta: meta } } as JSONRPCMessage, { requestSignal: signal });
    return await answered;
  } catch (error) {
    return mapProbeError(error, options.timeoutMs);
  } finally {
    await transport.close().catch(() => undefined);
  }
}

/** POSTs a bare `ping` (no session, no envelope) and reads the status and, for an error, the body. */
async function servesLegacy(options: ProbeOptions): Promise<ProbeOutcome> {
  try {
    const response = await options.fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: PROBE_ID, method: 'ping' }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (response.ok) {
      // A JSON answer may be a JSON-RPC error ("method not found" from a 2026-07-28-only server); a stream is a 2025 answer.
      if (!(response.headers.get('content-type') ?? '').includes('application/json')) {
        await response.body?.cancel().catch(() => undefined);
        return { kind: 'http', status: response.status, text: undefined };
      }
      const text = await response.text().catch(() => undefined);
      const rpc = jsonRpcErrorOf(text?.slice(0, 64 * 1024));
      return rpc ? { kind: 'message', message: { jsonrpc: '2.0', id: PROBE_ID, error: { code: rpc.code, message: 'probe', data: rpc.data } } } : { kind: 'http', status: response.status, text: undefined };
    }
    const text = await response.text().catch(() => undefined);
    return { kind: 'http', status: response.status, text: text?.slice(0, 64 * 1024) };
  } catch (error) {
    return mapProbeError(error, options.timeoutMs);
  }
}

/** Runs one probe (and `server/discover` when a "method not found" needs confirming) and returns its verdict. */
export async function probeRemote(probe: RemoteProbe, options: ProbeOptions): Promise<ProbeVerdict> {
  if (probe === 'discover') return discoverVerdict(await discover(options));
  const verdict = servesLegacyVerdict(await servesLegacy(options));
  return verdict.kind === 'confirm' ? confirmedVerdict(discoverVerdict(await discover(options))) : verdict;
}
