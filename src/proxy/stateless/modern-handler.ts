import type { IncomingMessage, ServerResponse } from 'node:http';
import { PerRequestHTTPServerTransport, type JSONRPCMessage, type JSONRPCRequest } from '@modelcontextprotocol/server';
import { isResponse, type JsonRpcMessage, type JsonRpcRequest } from '../../shared/jsonrpc.js';
import type { Logger } from '../../shared/logger.js';
import { MODERN_PROTOCOL_VERSION } from '../../relay/eras/protocol.js';
import type { Exchange } from '../../relay/eras/relay-types.js';
import { ChildEraCache, type ChildEra } from '../child/child-era-probe.js';
import { modernErrorStatus } from '../http/modern-error-status.js';
import { classifyRequest, unsupportedVersion } from '../http/era-classification.js';
import { answerRefusal, refusal } from '../http/refusals.js';
import type { ModernHandler } from '../server.js';
import { checkStandardHeaders } from '../http/modern-headers.js';
import { PrincipalChildren } from './principal-children.js';
import type { ProxyOptions } from '../proxy-options.js';
import type { CallerIdentity } from '../identity/caller-identity.js';
import { sendJson, toBodylessRequest, writeWebResponse } from '../http/web-bridge.js';

export type ChildEraSetting = 'auto' | ChildEra;

export interface ModernHandlerOptions {
  /** `auto` probes the command once (cached per command); `legacy`/`modern` trust the operator. */
  childEra: ChildEraSetting;
  /** How long the `auto` probe waits for the sibling's `server/discover` answer. */
  probeTimeoutMs?: number;
  /** SSE keep-alive comment interval on upgraded and listen streams. */
  keepAliveMs?: number;
  eraCache?: ChildEraCache;
}

export interface ModernRequestHandler extends ModernHandler {
  readonly children: PrincipalChildren;
  /** The era verdict for the configured command (probes on first call under `auto`). */
  childEra(): Promise<ChildEra>;
}

const SHARED_CACHE = new ChildEraCache();

/**
 * Serves 2026-07-28 requests: validates what the SDK classifier leaves to the entry (the served
 * revision, the standard headers), picks the principal's child, and runs one SDK per-request
 * transport per exchange: a JSON answer, upgraded to a request-scoped SSE stream when related messages
 * (progress, logs, listen notifications) come first.
 */
export function createModernHandler(opts: ProxyOptions, modern: ModernHandlerOptions): ModernRequestHandler {
  const log: Logger = opts.logger.child({ era: 'modern' });
  const childCommand = { ...opts.child, maxLineBytes: opts.maxLineBytes, killGraceMs: opts.killGraceMs };
  const cache = modern.eraCache ?? SHARED_CACHE;
  const childEra = (): Promise<ChildEra> =>
    modern.childEra === 'auto' ? cache.verdict(childCommand, modern.probeTimeoutMs ?? 10_000, log) : Promise.resolve(modern.childEra);
  const children = new PrincipalChildren({
    maxSessions: opts.maxSessions, sessionTimeoutMs: opts.sessionTimeoutMs, child: childCommand,
    requestTimeoutMs: opts.requestTimeoutMs, logger: log, now: opts.now, era: childEra,
    ...(opts.toolFilter ? { toolFilter: opts.toolFilter } : {}),
  });

  async function handle(req: IncomingMessage, res: ServerResponse, body: unknown, principal: string | undefined, headers: Record<string, string>, identity?: CallerIdentity): Promise<void> {
    const route = classifyRequest(req, body);
    if (route.kind !== 'modern') throw refusal('INTERNAL', { detail: 'not a 2026-07-28 request' });
    const id = route.messageKind === 'request' ? (route.message as JsonRpcRequest).id : null;
    const revision = route.classification.revision ?? MODERN_PROTOCOL_VERSION;
    if (revision !== MODERN_PROTOCOL_VERSION) throw unsupportedVersion(id, revision, true);
    if (route.messageKind !== 'request') {
      log.debug('2026-07-28 notification accepted and dropped', { method: route.message.method });
      res.writeHead(202, headers);
      res.end();
      return;
    }
    const message = route.message as JsonRpcRequest;
    const mismatch = checkStandardHeaders(req, message);
    if (mismatch) throw mismatch;
    const child = await children.get(principal, identity);
    if (!child) {
      log.warn('limit reached for stateless children', { maxSessions: opts.maxSessions });
      throw refusal('SESSION_LIMIT', { detail: opts.maxSessions, id: message.id });
    }
    const transport = new PerRequestHTTPServerTransport({ classification: route.classification, responseMode: 'auto', keepAliveMs: modern.keepAliveMs ?? 15_000 });
    // Related messages first make the transport stream (SSE, status 200 already sent); until then the
    // answer is plain JSON, whose status for a -32601 or -32021 the proxy sets itself (the transport
    // does so only for errors given while it dispatches, not for a child's later answer).
    let streamed = false;
    const exchange: Exchange = {
      id: message.id,
      deliver: (m: JsonRpcMessage) => {
        const status = isResponse(m) && !streamed ? modernErrorStatus(m) : undefined;
        if (status !== undefined) {
          if (!res.headersSent && !res.destroyed) sendJson(res, status, m, headers);
          void transport.close();
          return;
        }
        if (!isResponse(m)) streamed = true;
        void transport.send(m as JSONRPCMessage, { relatedRequestId: message.id }).catch((error: unknown) => log.debug('could not deliver to client', { error }));
      },
    };
    let closer: (() => void) | undefined;
    transport.onmessage = (m) => {
      closer = child.open(m as JsonRpcRequest, exchange);
    };
    transport.onclose = () => closer?.();
    transport.onerror = (error) => log.debug('per-request transport', { error });
    await transport.start();
    res.once('close', () => {
      if (!res.writableFinished) void transport.close();
    });
    let response: Response;
    try {
      response = await transport.handleMessage(message as JSONRPCRequest, { request: toBodylessRequest(req) });
    } catch (error) {
      log.debug('exchange closed before a response', { error });
      if (!res.headersSent && !res.destroyed) answerRefusal(res, refusal('REQUEST_CLOSED', { id: message.id }), headers);
      return;
    }
    await writeWebResponse(response, res, headers);
  }

  return {
    handle,
    children,
    childEra,
    get size() {
      return children.size;
    },
    get busyCount() {
      return children.busyCount;
    },
    capacity: children.capacity,
    closeAll: (reason) => children.closeAll(reason),
  };
}
