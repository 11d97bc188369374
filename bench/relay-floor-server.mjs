#!/usr/bin/env node
// The relay floor: the least a node:http relay to stdio children can do, as a reference for what a
// relay costs at all. One echo-server child per session; a POST body goes to the child's stdin as it
// came, the child's line is parsed for its id only and answered as one SSE event. No checks, no auth,
// no event store, no timeouts, no era handling: everything mcp-proxy does beyond this is its own cost.
// Listens on 127.0.0.1 (port from argv[2], default 0) and prints {"url": ...} on stdout.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const ECHO_SERVER = fileURLToPath(new URL('./echo-server.mjs', import.meta.url));

/** @typedef {{ child: import('node:child_process').ChildProcessWithoutNullStreams, waiting: Map<unknown, (line: string) => void> }} RelaySession */

/** @type {Map<string, RelaySession>} */
const sessions = new Map();

/** @returns {RelaySession} */
function spawnChild() {
  const child = spawn(process.execPath, [ECHO_SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  /** @type {RelaySession} */
  const session = { child, waiting: new Map() };
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    let end;
    while ((end = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      const { id } = JSON.parse(line);
      const answer = session.waiting.get(id);
      session.waiting.delete(id);
      answer?.(line);
    }
  });
  return session;
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 */
function fail(res, status) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end('{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"refused"}}');
}

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const id = req.headers['mcp-session-id'];
    const session = typeof id === 'string' ? sessions.get(id) : undefined;
    if (req.method === 'DELETE') {
      if (!session || typeof id !== 'string') return fail(res, 404);
      sessions.delete(id);
      session.child.kill('SIGTERM');
      res.writeHead(200);
      return res.end();
    }
    if (req.method !== 'POST') return fail(res, 405);
    const message = JSON.parse(body);
    if (message.method === 'initialize') {
      const created = spawnChild();
      const sessionId = randomUUID();
      sessions.set(sessionId, created);
      created.waiting.set(message.id, (line) => {
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': sessionId });
        res.end(line);
      });
      created.child.stdin.write(`${body}\n`);
      return;
    }
    if (!session) return fail(res, 404);
    session.child.stdin.write(`${body}\n`);
    if (message.id === undefined) {
      res.writeHead(202);
      return res.end();
    }
    session.waiting.set(message.id, (line) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'mcp-session-id': id });
      res.end(`event: message\ndata: ${line}\n\n`);
    });
  });
});

const stop = () => {
  for (const s of sessions.values()) s.child.kill('SIGTERM');
  server.close();
  setTimeout(() => process.exit(0), 200).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}/mcp` })}\n`);
});
