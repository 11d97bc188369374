/**
 * One-shot loopback redirect receiver (RFC 8252 §7.3): listens on 127.0.0.1 only, accepts exactly one request
 * on the exact redirect path, compares `state` exactly once, then closes. Bounded by a timeout and a signal.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { OAuthFlowError } from '../../shared/errors.js';
import { callbackPage } from './callback-page.js';
import { safeForMessage } from '../discovery/url-safety.js';

export const CALLBACK_HOST = '127.0.0.1';
export const CALLBACK_PATH = '/callback';

export interface CallbackServer {
  readonly port: number;
  readonly redirectUri: string;
  /** Resolves with the full callback URL once a request with the expected state arrives. */
  waitForCallback(expectedState: string, timeoutMs: number, signal?: AbortSignal): Promise<URL>;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, CALLBACK_HOST, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function respond(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
  res.end(html);
}

/** Starts the receiver on `port` (0 = any free port). Rejects with the listen error (e.g. EADDRINUSE). */
export async function startCallbackServer(port: number): Promise<CallbackServer> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handler) handler(req, res);
    else respond(res, 404, callbackPage({ ok: false, reason: 'no sign-in is in progress' }));
  });
  const actual = await listen(server, port);
  const redirectUri = `http://${CALLBACK_HOST}:${actual}${CALLBACK_PATH}`;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });

  return {
    port: actual,
    redirectUri,
    close,
    waitForCallback(expectedState, timeoutMs, signal) {
      return new Promise<URL>((resolve, reject) => {
        let settled = false;
        const finish = (error: OAuthFlowError | undefined, url?: URL): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          handler = undefined;
          if (error) reject(error);
          else resolve(url as URL);
        };
        const onAbort = (): void => finish(new OAuthFlowError('ABORTED', 'sign-in was cancelled'));
        const timer = setTimeout(() => finish(new OAuthFlowError('CALLBACK_TIMEOUT', `no browser sign-in within ${Math.round(timeoutMs / 1000)} s; run again (use --no-browser to copy the URL yourself)`)), timeoutMs);
        signal?.addEventListener('abort', onAbort, { once: true });
        if (signal?.aborted) onAbort();
        handler = (req, res) => {
          const url = new URL(req.url ?? '/', redirectUri);
          if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
            respond(res, 404, callbackPage({ ok: false, reason: 'unknown address' }));
            return;
          }
          const state = url.searchParams.get('state');
          const error = url.searchParams.get('error');
          if (state !== expectedState) {
            respond(res, 400, callbackPage({ ok: false, reason: 'the response did not match this sign-in (state mismatch)' }));
            finish(new OAuthFlowError('STATE_MISMATCH', 'the authorization response carried a state that does not match this sign-in; refused'));
            return;
          }
          if (error !== null) {
            const description = url.searchParams.get('error_description');
            respond(res, 400, callbackPage({ ok: false, reason: description ? `${error}: ${description}` : error }));
            const hint = error === 'invalid_target' ? '; it rejects the resource parameter: try --no-resource' : '';
            finish(new OAuthFlowError('AUTHORIZATION_DENIED', `the authorization server answered ${safeForMessage(error)}${description ? ` (${safeForMessage(description)})` : ''}${hint}`));
            return;
          }
          respond(res, 200, callbackPage({ ok: true }));
          finish(undefined, url);
        };
      });
    },
  };
}
