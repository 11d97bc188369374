/**
 * Spawns the real mcp-client binary (dist/, so `npm run build` first) as a stdio bridge and drives it
 * with the SDK v2 `Client` + `StdioClientTransport`, like Claude Desktop would.
 */

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

export const CLIENT_BIN = fileURLToPath(new URL('../../bin/mcp-client.js', import.meta.url));

/** A clean environment: no proxy settings or MCP_* leaking in from the machine running the tests. */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'SYSTEMROOT', 'TMPDIR']) {
    const v = process.env[key];
    if (v !== undefined) env[key] = v;
  }
  // The era cache is off unless a test turns it on: a port reused by another kind of test server must not
  // inherit a remembered era (test/client/era-cache.test.ts covers the cache).
  return { ...env, MCP_CLIENT_LOG_LEVEL: 'debug', MCP_CLIENT_ERA_CACHE: 'false', ...extra };
}

export interface BridgeHarness {
  client: Client;
  transport: StdioClientTransport;
  stderr(): string;
  /** Errors the stdio transport raised, e.g. a stdout line that was not valid JSON-RPC. */
  transportErrors: Error[];
  pid(): number | null;
  close(): Promise<void>;
}

/** The local client's era: SDK version negotiation `auto`, pinned to 2026-07-28, or 2025 `legacy`. */
export type LocalEra = 'auto' | 'pinned' | 'legacy';

export interface StartBridgeOptions {
  args: string[];
  env?: Record<string, string>;
  onSampling?: (params: unknown) => unknown;
  /** Default `legacy` (what Claude Desktop speaks today). */
  era?: LocalEra;
}

export async function startBridge(options: StartBridgeOptions): Promise<BridgeHarness> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLIENT_BIN, ...options.args],
    env: baseEnv(options.env),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const transportErrors: Error[] = [];
  const mode = options.era === 'auto' ? 'auto' : options.era === 'pinned' ? { pin: '2026-07-28' } : 'legacy';
  const client = new Client({ name: 'bridge-test', version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: {} }, versionNegotiation: { mode } });
  client.onerror = (error) => transportErrors.push(error);
  client.setRequestHandler('sampling/createMessage', async (request) => {
    const reply = options.onSampling?.(request.params) ?? 'sampled by the local client';
    return { role: 'assistant', content: { type: 'text', text: String(reply) }, model: 'test-model' };
  });
  client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: 'Ada' } }));
  await client.connect(transport, { timeout: 15_000 });
  return {
    client,
    transport,
    transportErrors,
    stderr: () => stderr,
    pid: () => transport.pid,
    close: async () => {
      await client.close().catch(() => undefined);
    },
  };
}

/** True while a process with this pid exists. */
export function isAlive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface RawBridge {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  messages: Array<Record<string, unknown>>;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  send(message: unknown): void;
  /** Resolves with the first stdout message matching `predicate`. */
  waitFor(predicate: (message: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Spawns the bridge with raw pipes, to see stdout byte for byte. */
export function spawnRawBridge(args: string[], env?: Record<string, string>): RawBridge {
  const child = spawn(process.execPath, [CLIENT_BIN, ...args], { env: baseEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const messages: Array<Record<string, unknown>> = [];
  let buffer = '';
  let stderr = '';
  const waiters: Array<{ predicate: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      try {
        const message = JSON.parse(line) as Record<string, unknown>;
        messages.push(message);
        for (const w of [...waiters]) {
          if (w.predicate(message)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(message);
          }
        }
      } catch {
        // kept in `lines`; the test asserts on it
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    lines,
    messages,
    stderr: () => stderr,
    exited,
    send: (message) => child.stdin.write(`${JSON.stringify(message)}\n`),
    waitFor: (predicate, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const seen = messages.find(predicate);
        if (seen) {
          resolve(seen);
          return;
        }
        const timer = setTimeout(() => reject(new Error(`timed out waiting for a message; stderr:\n${stderr}`)), timeoutMs);
        waiters.push({
          predicate,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      }),
  };
}

/** Kills a raw bridge if it is still running and waits for it. */
export async function stopRawBridge(bridge: RawBridge): Promise<void> {
  if (bridge.child.exitCode === null && bridge.child.signalCode === null) bridge.child.kill('SIGKILL');
  await bridge.exited;
}

/** A loopback port nothing listens on (bound, then released): an unreachable remote. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
