/** Wire helpers of the minimal AS: bodies, JSON answers, random values, redirect matching, presented client credentials. */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthMethod } from './minimal-authorization-server.js';

export function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(JSON.stringify(body));
}

export const random = (): string => randomBytes(18).toString('base64url');

function decodeForm(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

export function loopbackMatch(registered: string, presented: string): boolean {
  if (registered === presented) return true;
  try {
    const a = new URL(registered);
    const b = new URL(presented);
    // RFC 8252 §7.3: any port for loopback redirect URIs.
    return a.hostname === '127.0.0.1' && b.hostname === '127.0.0.1' && a.protocol === b.protocol && a.pathname === b.pathname;
  } catch {
    return false;
  }
}

/**
 * The client credentials a token/revocation request presents and how: client_secret_basic (form-decoded as
 * RFC 6749 §2.3.1 says, or compared raw like many deployed servers), client_secret_post, or none.
 */
export function presentedCredentials(header: string | undefined, body: URLSearchParams, rawBasic: boolean): { id: string | undefined; secret: string | undefined; method: AuthMethod } {
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const [rawId, rawSecret] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    return rawBasic ? { id: rawId, secret: rawSecret, method: 'client_secret_basic' } : { id: decodeForm(rawId), secret: decodeForm(rawSecret), method: 'client_secret_basic' };
  }
  if (body.has('client_secret')) return { id: body.get('client_id') ?? undefined, secret: body.get('client_secret') ?? undefined, method: 'client_secret_post' };
  return { id: body.get('client_id') ?? undefined, secret: undefined, method: 'none' };
}
