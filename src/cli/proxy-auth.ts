import { createAuthGuard } from '../proxy/auth/auth-guard.js';
import { toEdgeAuthenticator } from '../proxy/auth/edge-authenticator.js';
import type { EdgeAuthenticator } from '../proxy/proxy-options.js';
import type { Logger } from '../shared/logger.js';
import { UsageError, type ProxyCliOptions } from './proxy-args.js';

/** The public URL of the endpoint as a client names it: the OAuth resource (RFC 8707) and token audience. */
export function defaultResource(cli: ProxyCliOptions): string {
  if (cli.oauthAudience) return cli.oauthAudience;
  if (cli.config !== undefined) throw new UsageError('--oauth-audience is required with --config: give the public URL the tokens are issued for (one for every server of the file)');
  if (cli.port === 0 || cli.host === '0.0.0.0' || cli.host === '::') {
    throw new UsageError('--oauth-audience is required with --port 0 or a wildcard --host: give the public URL of the endpoint');
  }
  const host = cli.host.includes(':') ? `[${cli.host}]` : cli.host;
  return `http://${host}:${cli.port}${cli.endpoint}`;
}

/** Builds the resource-server protection the command line asks for: none, static bearer tokens, or OAuth. */
export async function buildEdgeAuth(cli: ProxyCliOptions, logger: Logger): Promise<EdgeAuthenticator | undefined> {
  if (cli.authToken.length > 0) {
    logger.debug('bearer-token protection on', { tokens: cli.authToken.length });
    return toEdgeAuthenticator(createAuthGuard({ mode: 'bearer', tokens: cli.authToken }));
  }
  if (cli.oauthIssuer) {
    const resource = defaultResource(cli);
    logger.debug('OAuth protection on', { issuer: cli.oauthIssuer, resource });
    return toEdgeAuthenticator(createAuthGuard({
      mode: 'oauth',
      issuer: cli.oauthIssuer,
      resource,
      ...(cli.oauthJwksUri ? { jwksUri: cli.oauthJwksUri } : {}),
      ...(cli.oauthScope.length > 0 ? { requiredScopes: cli.oauthScope } : {}),
    }));
  }
  return undefined;
}
