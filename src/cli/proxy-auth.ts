import type { EdgeAuthenticator } from '../proxy/proxy-options.js';
import type { Logger } from '../shared/logger.js';
import type { ProxyCliOptions } from './proxy-args.js';

/** Builds the resource-server protection the command line asks for (none, static bearer, or OAuth). */
export async function buildEdgeAuth(cli: ProxyCliOptions, _logger: Logger): Promise<EdgeAuthenticator | undefined> {
  if (cli.authToken.length === 0 && !cli.oauthIssuer) return undefined;
  // Wired to src/proxy/auth once it lands (in progress in this change series).
  return undefined;
}
