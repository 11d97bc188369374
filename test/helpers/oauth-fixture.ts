/** Shared set-up for OAuth integration tests: AS + protected MCP + temp config dir + debug log capture. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createLogger, type Logger } from '../../src/shared/logger.js';
import { createOAuthClient, type OAuthClient, type OAuthClientOptions } from '../../src/oauth/oauth-client.js';
import type { LoginProgressEvent } from '../../src/oauth/flow/progress.js';
import { startAuthorizationServer, type AuthorizationServerOptions, type TestAuthorizationServer } from './oauth-authorization-server.js';
import { createHeadlessBrowser, type HeadlessBrowser, type HeadlessBrowserOptions } from './oauth-browser.js';
import { startProtectedMcp, type ProtectedMcp } from './oauth-protected-mcp.js';

export interface OAuthFixture {
  as: TestAuthorizationServer;
  mcp: ProtectedMcp;
  configDir: string;
  logLines: string[];
  logger: Logger;
  /** A client wired to a fresh headless browser; `overrides` replace any option. */
  client(overrides?: Partial<OAuthClientOptions>, browser?: HeadlessBrowserOptions): { oauth: OAuthClient; browser: HeadlessBrowser; progress: LoginProgressEvent[] };
  /** Another empty config dir (removed on close). */
  freshConfigDir(): Promise<string>;
  close(): Promise<void>;
}

export async function startOAuthFixture(options: AuthorizationServerOptions = {}): Promise<OAuthFixture> {
  const as = await startAuthorizationServer(options);
  const mcp = await startProtectedMcp(as.issuer);
  const configDir = await mkdtemp(join(tmpdir(), 'mcp-oauth-it-'));
  const logLines: string[] = [];
  const extraDirs: string[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', sink: { write: (line: string) => logLines.push(line) } });
  return {
    as,
    mcp,
    configDir,
    logLines,
    logger,
    client(overrides = {}, browserOptions = {}) {
      const browser = createHeadlessBrowser(browserOptions);
      const progress: LoginProgressEvent[] = [];
      const oauth = createOAuthClient({
        serverUrl: mcp.url,
        configDir,
        openBrowser: (url) => browser.open(url),
        authTimeoutMs: 15_000,
        httpTimeoutMs: 10_000,
        clientName: 'mcp-client tests',
        logger,
        onProgress: (event) => progress.push(event),
        ...overrides,
      });
      return { oauth, browser, progress };
    },
    async freshConfigDir() {
      const dir = await mkdtemp(join(tmpdir(), 'mcp-oauth-it-'));
      extraDirs.push(dir);
      return dir;
    },
    async close() {
      await mcp.close();
      await as.close();
      for (const dir of [configDir, ...extraDirs]) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Connects an SDK client through `fetch` and calls a tool; returns the tool's text. */
export async function callTool(fetch: OAuthClient['fetch'], url: string, tool = 'echo'): Promise<string> {
  const client = new Client({ name: 'oauth-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { fetch });
  await client.connect(transport);
  try {
    const result = await client.callTool({ name: tool, arguments: {} });
    const first = (result.content as { type: string; text?: string }[])[0];
    return first?.text ?? '';
  } finally {
    await client.close();
  }
}
