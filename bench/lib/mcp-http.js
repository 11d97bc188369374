// A minimal Streamable HTTP MCP client on undici for the hot path: fixed request strings, one keep-alive
// pool, the SSE `data:` line (or a JSON body) parsed once per response.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export const PROTOCOL_VERSION = '2025-11-25';

export const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'mcp-bridge-bench', version: '1.0.0' } },
});
export const INITIALIZED = '{"jsonrpc":"2.0","method":"notifications/initialized"}';

/**
 * A keep-alive connection pool to one MCP endpoint.
 * @param {string} url
 * @param {number} connections enough for every request in flight at once
 */
export function createHttpClient(url, connections) {
  const { origin, pathname } = new URL(url);
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  return { pool, path: pathname, close: () => pool.close() };
}

/** @typedef {ReturnType<typeof createHttpClient>} HttpClient */

/**
 * The JSON-RPC message in a response body: an SSE stream's first non-empty `data:` line (a 2025-11-25
 * stream starts with a priming event whose data is empty) or a JSON body.
 * @param {string} text
 * @returns {any}
 */
export function parseMcpBody(text) {
  let at = text.indexOf('data: ');
  if (at === -1) return JSON.parse(text);
  while (at !== -1 && text[at + 6] === '\n') at = text.indexOf('data: ', at + 6);
  if (at === -1) throw new SyntaxError('an SSE body with no message');
  const end = text.indexOf('\n', at);
  return JSON.parse(text.slice(at + 6, end === -1 ? undefined : end));
}

/**
 * One POST; returns the status, the session header and the body text.
 * @param {HttpClient} client
 * @param {string} body
 * @param {string | undefined} sessionId
 */
async function post(client, body, sessionId) {
  /** @type {Record<string, string>} */
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (sessionId) {
    headers['mcp-session-id'] = sessionId;
    headers['mcp-protocol-version'] = PROTOCOL_VERSION;
  }
  const res = await client.pool.request({ path: client.path, method: 'POST', headers, body });
  const text = await res.body.text();
  return { status: res.statusCode, session: res.headers['mcp-session-id'], text };
}

/**
 * An MCP session over HTTP: initialize + notifications/initialized, timed.
 * @param {HttpClient} client
 * @returns {Promise<{ session: HttpSession, initMs: number, readyMs: number }>}
 */
export async function openHttpSession(client) {
  const t0 = performance.now();
  const init = await post(client, INITIALIZE, undefined);
  const initMs = performance.now() - t0;
  const sessionId = Array.isArray(init.session) ? init.session[0] : init.session;
  if (init.status !== 200 || !sessionId) throw new Error(`initialize failed: HTTP ${init.status} ${init.text.slice(0, 300)}`);
  const reply = parseMcpBody(init.text);
  if (!reply.result) throw new Error(`initialize failed: ${init.text.slice(0, 300)}`);
  const ack = await post(client, INITIALIZED, sessionId);
  if (ack.status !== 202) throw new Error(`notifications/initialized failed: HTTP ${ack.status} ${ack.text.slice(0, 300)}`);
  return { session: new HttpSession(client, sessionId), initMs, readyMs: performance.now() - t0 };
}

/** The calls of one open HTTP session. */
export class HttpSession {
  #nextId = 1;

  /**
   * @param {HttpClient} client
   * @param {string} id
   */
  constructor(client, id) {
    this.client = client;
    this.id = id;
  }

  /**
   * tools/call echo; rejects unless the answer is the echoed text.
   * @param {string} message
   */
  async callEcho(message) {
    const id = this.#nextId++;
    const body = `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"message":${JSON.stringify(message)}}}}`;
    const res = await post(this.client, body, this.id);
    if (res.status !== 200) throw new Error(`tools/call: HTTP ${res.status} ${res.text.slice(0, 300)}`);
    const reply = parseMcpBody(res.text);
    if (reply.id !== id || reply.result?.content?.[0]?.text !== message) throw new Error(`tools/call: unexpected answer ${res.text.slice(0, 300)}`);
  }

  /** ping; resolves on its (empty) result. */
  async ping() {
    const id = this.#nextId++;
    const res = await post(this.client, `{"jsonrpc":"2.0","id":${id},"method":"ping"}`, this.id);
    if (res.status !== 200) throw new Error(`ping: HTTP ${res.status} ${res.text.slice(0, 300)}`);
    const reply = parseMcpBody(res.text);
    if (reply.id !== id || reply.result === undefined) throw new Error(`ping: unexpected answer ${res.text.slice(0, 300)}`);
  }

  /**
   * DELETE: ends the session (and, behind the proxy, its child). Retried once when the server closed the
   * pooled keep-alive connection just as the request went out (seen on a loaded machine after the idle phase).
   */
  async close() {
    const once = async () => {
      const res = await this.client.pool.request({
        path: this.client.path,
        method: 'DELETE',
        headers: { 'mcp-session-id': this.id, 'mcp-protocol-version': PROTOCOL_VERSION },
      });
      await res.body.dump();
    };
    try {
      await once();
    } catch (error) {
      if (/** @type {{ code?: unknown }} */ (error).code !== 'UND_ERR_SOCKET') throw error;
      await once();
    }
  }
}
