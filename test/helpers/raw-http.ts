import { request } from 'node:http';
/** Raw MCP-over-HTTP helpers for asserting exact statuses and bodies (no SDK in between). */

export const INIT = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

export const ACCEPT = 'application/json, text/event-stream';

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
}

/** Reads JSON-RPC messages from a JSON or SSE response body. */
export async function messagesOf(res: Response): Promise<Array<Record<string, unknown>>> {
  const text = await res.text();
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    return text
      .split('\n')
      .filter((l) => l.startsWith('data: ') && l.length > 6)
      .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
  }
  if (text === '') return [];
  const parsed = JSON.parse(text) as Record<string, unknown> | Array<Record<string, unknown>>;
  return Array.isArray(parsed) ? parsed : [parsed];
}

/** Opens a raw session: initialize + initialized. Returns the session id. */
export async function openSession(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await post(url, INIT, headers);
  if (res.status !== 200) throw new Error(`initialize failed: ${res.status} ${await res.text()}`);
  const id = res.headers.get('mcp-session-id');
  await res.text();
  if (!id) throw new Error('no session id');
  const ack = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25', ...headers });
  await ack.text();
  return id;
}

export async function call(url: string, sessionId: string, id: number, name: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const res = await post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' });
  const messages = await messagesOf(res);
  const answer = messages.find((m) => m.id === id);
  if (!answer) throw new Error(`no answer for ${id} (status ${res.status})`);
  return answer;
}

/** A POST with full control of headers (fetch forbids setting Host). */
export function rawPost(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers }, timeout: 10_000 }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}
