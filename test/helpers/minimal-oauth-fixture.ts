/** Set-up for tests against the minimal AS: AS (standalone or mounted) + protected MCP + temp dirs + a client factory. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../src/shared/logger.js';
import { createOAuthClient, type OAuthClient, type OAuthClientOptions } from '../../src/oauth/oauth-client.js';
import { createHeadlessBrowser, type HeadlessBrowser, type HeadlessBrowserOptions } from './oauth-browser.js';
import { startMinimalAuthorizationServer, type MinimalAs, type MinimalAsOptions } from './minimal-authorization-server.js';
import { startMinimalProtectedMcp, type MinimalMcp, type MinimalMcpOptions } from './minimal-protected-mcp.js';

export interface MinimalFixture {
  as: MinimalAs;
  mcp: MinimalMcp;
  configDir: string;
  logLines: string[];
  logger: Logger;
  client(overrides?: Partial<OAuthClientOptions>, browser?: HeadlessBrowserOptions): { oauth: OAuthClient; browser: HeadlessBrowser };
  close(): Promise<void>;
}

/** `mounted`: the AS lives on the MCP server's origin (MCP 2025-03-26). */
export async function startMinimalFixture(asOptions: MinimalAsOptions = {}, mcpOptions: Omit<MinimalMcpOptions, 'as' | 'mountAs'> & { mounted?: boolean } = {}): Promise<MinimalFixture> {
  const { mounted, ...rest } = mcpOptions;
  const standalone = mounted ? undefined : await startMinimalAuthorizationServer(asOptions);
  const mcp = await startMinimalProtectedMcp(standalone ? { ...rest, as: standalone } : { ...rest, mountAs: asOptions });
  const configDir = await mkdtemp(join(tmpdir(), 'mcp-minimal-as-'));
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', sink: { write: (line: string) => logLines.push(line) } });
  return {
    get as() {
      return mcp.as;
    },
    mcp,
    configDir,
    logLines,
    logger,
    client(overrides = {}, browserOptions = {}) {
      const browser = createHeadlessBrowser(browserOptions);
      const oauth = createOAuthClient({
        serverUrl: mcp.url,
        configDir,
        openBrowser: (url) => browser.open(url),
        authTimeoutMs: 10_000,
        httpTimeoutMs: 10_000,
        logger,
        ...overrides,
      });
      return { oauth, browser };
    },
    async close() {
      await mcp.close();
      await standalone?.close();
      await rm(configDir, { recursive: true, force: true });
    },
  };
}
