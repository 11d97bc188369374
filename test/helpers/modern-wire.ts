/** Raw 2026-07-28 requests for edge tests: the envelope, the standard headers, SSE parsing. */
export const ENVELOPE = (caps: Record<string, unknown> = {}, version = '2026-07-28'): Record<string, unknown> => ({
  'io.modelcontextprotocol/protocolVersion': version,
  'io.modelcontextprotocol/clientInfo': { name: 'raw-test', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': caps,
});

let nextId = 1;

export function request(method: string, params: Record<string, unknown> = {}, caps: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): { jsonrpc: '2.0'; id: number; method: string; params: Record<string, unknown> } {
  return { jsonrpc: '2.0', id: nextId++, method, params: { ...params, _meta: { ...ENVELOPE(caps), ...meta } } };
}

/** POSTs one message with the headers the spec requires (mirrored from the body), overridable. */
export async function post(url: string, body: { method: string; params?: Record<string, unknown> }, headers: Record<string, string | undefined> = {}): Promise<Response> {
  const name = body.params?.name ?? body.params?.uri;
  const all: Record<string, string | undefined> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': body.method,
    ...(typeof name === 'string' ? { 'mcp-name': name } : {}),
    ...headers,
  };
  const clean = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
  return fetch(url, { method: 'POST', headers: clean, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
}

/** The JSON-RPC messages of a response: the JSON body, or every `data:` of an SSE stream. */
export async function messages(response: Response): Promise<Array<Record<string, unknown>>> {
  const text = await response.text();
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) return [JSON.parse(text) as Record<string, unknown>];
  return text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
}

export async function final(response: Response): Promise<{ result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } }> {
  const all = await messages(response);
  return all[all.length - 1] as { result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } };
}
