#!/usr/bin/env node
// The forwarding floor: the least an HTTP forwarder on node does, as a reference for what a forwarded hop
// costs at all. Every request is sent as it came to one upstream (argv[3], e.g. an mcp-proxy instance)
// over an undici keep-alive pool, and the answer relayed as it streams. No directory, no checks, no secret:
// everything mcp-proxy's forwarding instance does beyond this is its own cost.
// Listens on 127.0.0.1 (port from argv[2], 0 for any) and prints {"url": ...} on stdout.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = new URL(process.argv[3] ?? '');
const pool = new Pool(upstream.origin, { connections: 64, keepAliveTimeout: 10_000 });
const SKIP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

/**
 * @param {import('node:http').IncomingHttpHeaders} headers
 * @returns {Record<string, string | string[]>}
 */
function relayed(headers) {
  /** @type {Record<string, string | string[]>} */
  const out = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !SKIP.has(name)) out[name] = value;
  return out;
}

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    pool.dispatch({ path: upstream.pathname, method: /** @type {any} */ (req.method), headers: relayed(req.headers), ...(body ? { body } : {}), bodyTimeout: 0 }, {
      onRequestStart() {},
      onResponseStart(_c, status, headers) {
        res.writeHead(status, relayed(/** @type {any} */ (headers)));
      },
      onResponseData(_c, chunk) {
        res.write(chunk);
      },
      onResponseEnd() {
        res.end();
      },
      onResponseError() {
        res.destroy();
      },
    });
  });
});

const stop = () => {
  server.close();
  void pool.destroy();
  setTimeout(() => process.exit(0), 200).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}/mcp` })}\n`);
});
