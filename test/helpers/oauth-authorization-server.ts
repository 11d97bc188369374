/**
 * A real OAuth 2.1 authorization server for tests: oidc-provider on a random 127.0.0.1 port with dynamic
 * registration + RFC 7592 management, RFC 7009 revocation, PKCE required, refresh-token rotation, resource indicators issuing
 * short-lived JWT access tokens, and a minimal login/consent interaction a headless browser can submit.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export interface TestAuthorizationServer {
  issuer: string;
  provider: Provider;
  /** Counters of token-endpoint grants, by grant_type. */
  grants: Record<string, number>;
  /** Interactions (login/consent pages) served. */
  interactions: number;
  close(): Promise<void>;
}

export interface AuthorizationServerOptions {
  /** Lifetime of access tokens, seconds (default 300). */
  accessTokenTtl?: number;
  /** Scopes the MCP resource accepts. */
  resourceScopes?: string;
  /** Adjusts the oidc-provider configuration before the provider is built (clients, features, ttl, …). */
  configure?: (configuration: Record<string, unknown>) => void;
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

async function interaction(provider: Provider, req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
  if (req.method === 'GET') {
    const details = await provider.interactionDetails(req, res);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>${details.prompt.name}</title><form method="post" action="/interaction/${uid}/submit"><input name="login" value=""><button>Continue</button></form>`);
    return;
  }
  const form = await readForm(req);
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: form.get('login') || 'alice' } }, { mergeWithLastSubmission: false });
    return;
  }
  const accountId = details.session?.accountId ?? 'alice';
  const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  const missingOidc = details.prompt.details.missingOIDCScope;
  if (Array.isArray(missingOidc)) grant.addOIDCScope(missingOidc.join(' '));
  const missingResource = details.prompt.details.missingResourceScopes;
  if (missingResource && typeof missingResource === 'object') {
    for (const [indicator, scopes] of Object.entries(missingResource as Record<string, string[]>)) grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

export async function startAuthorizationServer(options: AuthorizationServerOptions = {}): Promise<TestAuthorizationServer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-key' };
  const resourceScopes = options.resourceScopes ?? 'mcp:read mcp:write mcp:admin';
  const configuration: Record<string, unknown> = {
    jwks: { keys: [jwk] },
    cookies: { keys: ['test-cookie-key-0123456789'] },
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id }) }),
    interactions: { url: (_ctx: unknown, i: { uid: string }) => `/interaction/${i.uid}` },
    scopes: ['openid', 'offline_access'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    rotateRefreshToken: true,
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: () => false,
    ttl: { AccessToken: options.accessTokenTtl ?? 300, RefreshToken: 3600, Grant: 3600, Session: 3600, Interaction: 600, AuthorizationCode: 60 },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: resourceScopes, accessTokenTTL: options.accessTokenTtl ?? 300, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      },
    },
  };
  options.configure?.(configuration);
  const provider = new Provider(issuer, configuration);
  const grants: Record<string, number> = {};
  const result: TestAuthorizationServer = { issuer, provider, grants, interactions: 0, close: async () => undefined };
  provider.on('grant.success', (ctx: unknown) => {
    const type = String((ctx as { oidc: { params: { grant_type?: string } } }).oidc.params.grant_type);
    grants[type] = (grants[type] ?? 0) + 1;
  });
  // Built on the first request, so middleware added with provider.use() after start-up takes part.
  let handler: ReturnType<Provider['callback']> | undefined;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/interaction\/([^/?]+)(\/submit)?/.exec(req.url ?? '');
    if (match?.[1]) {
      result.interactions++;
      interaction(provider, req, res, match[1]).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
      return;
    }
    handler ??= provider.callback();
    handler(req, res);
  });
  result.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return result;
}
