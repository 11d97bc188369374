import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startProxy, type RunningProxy } from '../../src/proxy/server.js';
import { PROXY_DEFAULTS, type ProxyOptions } from '../../src/proxy/proxy-options.js';
import { createLogger, type Logger } from '../../src/shared/logger.js';

export const FIXTURE = fileURLToPath(new URL('../fixtures/legacy-server.mjs', import.meta.url));
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Collects log lines in memory (and can echo them with DEBUG_TESTS=1). */
export function memoryLogger(level: 'error' | 'warn' | 'info' | 'debug' = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const echo = process.env.DEBUG_TESTS === '1';
  const logger = createLogger({ level, format: 'json', sink: { write: (s: string) => { lines.push(s); if (echo) process.stderr.write(s); return true; } } });
  return { logger, lines };
}

export async function startTestProxy(overrides: Partial<ProxyOptions> = {}, fixtureArgs: string[] = []): Promise<RunningProxy & { lines: string[] }> {
  const { logger, lines } = memoryLogger();
  const proxy = await startProxy({
    ...PROXY_DEFAULTS,
    port: 0,
    allowedOrigins: [],
    allowedHosts: [],
    killGraceMs: 1_000,
    child: { command: process.execPath, args: [FIXTURE, ...fixtureArgs], env: {}, passEnv: true, baseEnv: process.env, shell: false },
    version: 'test',
    logger,
    now: () => Date.now(),
    ...overrides,
  });
  return Object.assign(proxy, { lines });
}

export async function connectClient(url: string, options: ConstructorParameters<typeof Client>[1] = {}): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'test-client', version: '1.0.0' }, options);
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return { client, transport };
}

export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

/** Whether a process exists (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it is true or `ms` pass; bounded. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 5_000, every = 25): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, every));
  }
  return check();
}
