/** Adapts an AuthGuard to the proxy's EdgeAuthenticator seam (src/proxy/proxy-options.ts). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EdgeAuthenticator, EdgeAuthResult } from '../proxy-options.js';
import type { AuthGuard } from './auth-guard.js';

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

export function toEdgeAuthenticator(guard: AuthGuard): EdgeAuthenticator {
  return {
    async authenticate(req: IncomingMessage): Promise<EdgeAuthResult> {
      const result = await guard.authenticate(req.headers);
      if (result.ok) return { ok: true, principal: result.principal, claims: result.claims };
      return { ok: false, status: result.status, headers: result.headers, body: parseBody(result.body) };
    },
    serveWellKnown(req: IncomingMessage, res: ServerResponse): boolean {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (!guard.isMetadataPath(path)) return false;
      guard.handleMetadataRequest(req.method, path).then(
        (answer) => {
          if (!answer) res.writeHead(404).end();
          else res.writeHead(answer.status, answer.headers).end(req.method === 'HEAD' ? undefined : answer.body);
        },
        () => {
          // The authorization server's metadata could not be read: say so without detail.
          if (!res.headersSent) res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'temporarily_unavailable' }));
        },
      );
      return true;
    },
  };
}
