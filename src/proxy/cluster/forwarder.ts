import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Pool, errors, type Dispatcher } from 'undici';

/** The header that carries the cluster secret on a forwarded hop (never sent to clients or children). */
export const SECRET_HEADER = 'x-mcp-proxy-cluster-secret';

/** Headers that belong to one connection and are not relayed (RFC 9110 §7.6.1), plus our own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length', SECRET_HEADER]);

export function relayedHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

export type ForwardFailure = 'connect' | 'timeout' | 'reset';

export interface ForwarderOptions {
  secret: string;
  /** Time to connect to the owner. */
  connectTimeoutMs: number;
  /** Time for the owner's response headers (it answers a request it cannot serve in time itself). */
  headersTimeoutMs: number;
}

export interface Forwarder {
  /**
   * Sends the request to the owner and relays its answer as it streams (SSE events are written as they come).
   * Resolves 'ok' once the answer started, or the failure when nothing was written to the client yet (the caller
   * answers it). A stream broken after it started ends the client's response. `path` (with its query) replaces
   * the target's own, for a request to another endpoint of the owner (a legacy SSE POST).
   */
  forward(req: IncomingMessage, res: ServerResponse, body: string | undefined, target: string, path?: string): Promise<'ok' | ForwardFailure>;
  close(): Promise<void>;
}

function failureOf(error: unknown): ForwardFailure {
  if (error instanceof errors.ConnectTimeoutError) return 'connect';
  if (error instanceof errors.HeadersTimeoutError) return 'timeout';
  const code = (error as { code?: unknown }).code;
  return code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND' ? 'connect' : 'reset';
}

/**
 * Direct instance-to-instance HTTP (undici, one keep-alive pool per owner); see docs/scaling.md for why not
 * pub/sub. The answer's body streams with no body timeout (a GET stream lasts); the client leaving aborts the hop.
 */
export function createForwarder(opts: ForwarderOptions): Forwarder {
  const pools = new Map<string, { pool: Pool; path: string }>();
  const poolOf = (url: string): { pool: Pool; path: string } => {
    let p = pools.get(url);
    if (!p) {
      const u = new URL(url);
      p = { pool: new Pool(u.origin, { connections: 256, connect: { timeout: opts.connectTimeoutMs }, keepAliveTimeout: 10_000 }), path: `${u.pathname}${u.search}` };
      pools.set(url, p);
    }
    return p;
  };
  return {
    forward(req, res, body, target, pathOverride) {
      const { pool, path: targetPath } = poolOf(target);
      const path = pathOverride ?? targetPath;
      const headers = relayedHeaders(req.headers) as Record<string, string | string[]>;
      headers[SECRET_HEADER] = opts.secret;
      // undici's dispatch with a handler of our own: the answer's chunks go straight to the client, with no
      // body stream, promise or AbortController per request in between (they led the forwarding profile).
      return new Promise((resolve) => {
        let controller: Dispatcher.DispatchController | undefined;
        let left = false;
        let started = false;
        const gone = (): void => {
          left = true;
          controller?.abort(new errors.RequestAbortedError());
        };
        res.once('close', gone);
        // Chunks that arrive in one read leave in one write (the profile shows writev first).
        let corked = false;
        const uncork = (): void => {
          corked = false;
          res.uncork();
        };
        const handler: Dispatcher.DispatchHandler = {
          onRequestStart(c) {
            controller = c;
            if (left) c.abort(new errors.RequestAbortedError());
          },
          onResponseStart(_c, statusCode, answerHeaders) {
            started = true;
            res.writeHead(statusCode, relayedHeaders(answerHeaders));
            // The headers leave with the first chunk when it came in the same read (one write, not two), or on
            // their own once that read is handled (a GET stream may stay quiet for long).
            queueMicrotask(() => {
              if (!res.headersSent && !res.destroyed) res.flushHeaders();
            });
            resolve('ok');
          },
          onResponseData(c, chunk) {
            if (!corked) {
              corked = true;
              res.cork();
              process.nextTick(uncork);
            }
            if (!res.write(chunk)) {
              c.pause();
              res.once('drain', () => c.resume());
            }
          },
          onResponseEnd() {
            res.off('close', gone); // done: nothing to abort
            res.end();
          },
          onResponseError(_c, error) {
            res.off('close', gone);
            if (started) res.destroy();
            else resolve(failureOf(error));
          },
        };
        try {
          pool.dispatch({
            path, method: (req.method ?? 'GET') as Dispatcher.HttpMethod, headers, ...(body !== undefined ? { body } : {}),
            headersTimeout: opts.headersTimeoutMs, bodyTimeout: 0,
          }, handler);
        } catch (error) {
          res.off('close', gone);
          resolve(failureOf(error));
        }
      });
    },
    async close() {
      await Promise.all([...pools.values()].map((p) => p.pool.destroy()));
    },
  };
}
