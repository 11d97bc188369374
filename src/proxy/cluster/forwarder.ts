import { Agent, request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';

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
   * answers it). A stream broken after it started ends the client's response.
   */
  forward(req: IncomingMessage, res: ServerResponse, body: string | undefined, target: string): Promise<'ok' | ForwardFailure>;
  close(): void;
}

/** Direct instance-to-instance HTTP with keep-alive connections; see docs/scaling.md for why not pub/sub. */
export function createForwarder(opts: ForwarderOptions): Forwarder {
  const agent = new Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' });
  return {
    forward(req, res, body, target) {
      return new Promise((resolve) => {
        const headers = relayedHeaders(req.headers);
        headers[SECRET_HEADER] = opts.secret;
        if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
        let settled = false;
        const settle = (outcome: 'ok' | ForwardFailure): void => {
          if (settled) return;
          settled = true;
          clearTimeout(connectTimer);
          clearTimeout(headersTimer);
          resolve(outcome);
        };
        const upstream = request(target, { method: req.method, headers, agent });
        let failure: ForwardFailure = 'reset';
        let connected = false;
        const connectTimer = setTimeout(() => {
          if (connected) return;
          failure = 'connect';
          upstream.destroy();
        }, opts.connectTimeoutMs);
        const headersTimer = setTimeout(() => {
          failure = 'timeout';
          upstream.destroy();
        }, opts.headersTimeoutMs);
        upstream.on('socket', (socket) => {
          if (!socket.connecting) connected = true;
          else socket.once('connect', () => (connected = true));
        });
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          if (!settled) {
            settle(!connected && (error.code === 'ECONNREFUSED' || error.code === 'EHOSTUNREACH' || error.code === 'ENOTFOUND') ? 'connect' : failure);
          } else if (!res.writableEnded) res.destroy();
        });
        upstream.on('response', (answer) => {
          settle('ok');
          res.writeHead(answer.statusCode ?? 502, relayedHeaders(answer.headers));
          res.flushHeaders();
          answer.once('end', () => (done = true));
          answer.once('aborted', () => res.destroy());
          answer.pipe(res);
          answer.on('error', () => res.destroy());
        });
        // The client went away (or the stream ended): stop the hop, so the owner sees its client leave too.
        let done = false;
        res.on('close', () => {
          if (!done && !upstream.destroyed) upstream.destroy();
        });
        upstream.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}
