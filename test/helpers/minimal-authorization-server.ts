/**
 * The second, hand-written authorization server for tests: node:http, spec-minimal (RFC 6749 code grant with
 * PKCE S256, RFC 7591 registration, RFC 8414 metadata, RFC 7009 revocation, RFC 9207 iss, RFC 8707 resource),
 * each looseness of deployed servers switchable per test. The authorization step approves at once and
 * redirects to the client's redirect_uri, so the headless test browser drives it with plain redirects.
 * Tokens are opaque; `lookup` lets the minimal protected MCP server check them in-process.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { json, loopbackMatch, presentedCredentials, random, read } from './minimal-as-wire.js';

export type AuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';
export type IssMode = 'present' | 'absent-advertised' | 'present-unadvertised' | 'wrong' | 'off';

export interface MinimalAsOptions {
  /** 'none': no metadata documents at all (the MCP 2025-03-26 default endpoints). Default 'rfc8414'. */
  metadata?: 'rfc8414' | 'none';
  /** Serve /register (default true). */
  registration?: boolean;
  /** Token endpoint auth methods accepted and advertised (default all three). */
  authMethods?: AuthMethod[];
  /** Advertise token_endpoint_auth_methods_supported (default true). */
  advertiseAuthMethods?: boolean;
  /** Loose registration responses, the way deployed servers answer. */
  registrationResponse?: { omitExpiresAt?: boolean; secretForPublic?: boolean; omitEchoed?: boolean; status?: 200 | 201; assignMethod?: AuthMethod };
  /** AS metadata scopes_supported (omitted when undefined). */
  scopesSupported?: string[];
  /** Issue a refresh token only when offline_access was granted (OIDC habit). Default: always. */
  refreshOnlyWithOfflineAccess?: boolean;
  iss?: IssMode;
  /** The `iss` value sent in 'wrong' mode (default the issuer with a trailing slash). */
  wrongIss?: string | ((issuer: string) => string);
  /** Metadata `issuer` different from the real one (issuer mismatch). */
  metadataIssuer?: string;
  /** Serve and advertise /revoke (RFC 7009). */
  revocation?: boolean;
  /** Compare client_secret_basic credentials raw, without form-decoding (as many deployed servers do). */
  rawBasic?: boolean;
  /** Refuse any `resource` parameter (invalid_target), as some servers do. */
  rejectResource?: boolean;
  /** Advertise client_id_metadata_document_supported; a client_id URL (loopback here) is fetched and checked. */
  clientIdMetadataDocuments?: boolean;
  /** Scope granted for a requested one (default: as requested). */
  grant?: (requested: string | undefined) => string | undefined;
  /** Leave `scope` out of token responses (RFC 6749 §5.1 allows it when it equals the request). */
  omitTokenScope?: boolean;
  /** Access token lifetime, seconds (default 300). */
  accessTokenTtl?: number;
  /** Pre-registered clients (no registration needed). */
  clients?: RegisteredClient[];
}

export interface RegisteredClient {
  client_id: string;
  client_secret?: string;
  token_endpoint_auth_method: AuthMethod;
  redirect_uris?: string[];
}

export interface IssuedToken {
  clientId: string;
  scope: string | undefined;
  resource: string | undefined;
  expiresAt: number;
  issuer: string;
}

export interface MinimalAs {
  issuer: string;
  options: MinimalAsOptions;
  clients: Map<string, RegisteredClient>;
  /** Registration requests as received. */
  registrations: Record<string, unknown>[];
  /** Query parameters of every authorization request. */
  authorizations: URLSearchParams[];
  /** Token requests: grant, client auth method used, body. */
  tokenRequests: { grant: string; method: AuthMethod | 'unknown'; body: URLSearchParams; status: number }[];
  revoked: string[];
  /** Client ids presented anywhere (authorize, token, revoke). */
  seenClientIds: string[];
  lookup(token: string): IssuedToken | undefined;
  /** Forget every client and token (the AS lost its database): stale registrations. */
  forgetClients(): void;
  /** Handles the request when it is an AS route; false otherwise (for mounting on another server). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): Promise<void>;
}

/** Creates the AS handler for `issuer` (an origin); start it with startMinimalAuthorizationServer or mount it. */
export function createMinimalAs(issuer: string, options: MinimalAsOptions = {}): MinimalAs {
  const methods = options.authMethods ?? ['none', 'client_secret_basic', 'client_secret_post'];
  const clients = new Map<string, RegisteredClient>((options.clients ?? []).map((c) => [c.client_id, c]));
  const codes = new Map<string, { clientId: string; redirectUri: string; challenge: string; scope?: string; resource?: string }>();
  const tokens = new Map<string, IssuedToken>();
  const refreshTokens = new Map<string, { clientId: string; scope?: string; resource?: string }>();
  const iss = options.iss ?? 'present';
  const as: MinimalAs = {
    issuer,
    options,
    clients,
    registrations: [],
    authorizations: [],
    tokenRequests: [],
    revoked: [],
    seenClientIds: [],
    lookup: (token) => tokens.get(token),
    forgetClients() {
      clients.clear();
      tokens.clear();
      refreshTokens.clear();
    },
    handle: async () => false,
    close: async () => undefined,
  };

  const metadata = (): Record<string, unknown> => {
    const doc: Record<string, unknown> = {
      issuer: options.metadataIssuer ?? issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
    };
    if (options.registration !== false) doc.registration_endpoint = `${issuer}/register`;
    if (options.advertiseAuthMethods !== false) doc.token_endpoint_auth_methods_supported = methods;
    if (options.scopesSupported) doc.scopes_supported = options.scopesSupported;
    if (iss === 'present' || iss === 'absent-advertised' || iss === 'wrong') doc.authorization_response_iss_parameter_supported = true;
    if (options.revocation) doc.revocation_endpoint = `${issuer}/revoke`;
    if (options.clientIdMetadataDocuments) doc.client_id_metadata_document_supported = true;
    return doc;
  };

  const register = (res: ServerResponse, body: Record<string, unknown>): void => {
    as.registrations.push(body);
    const loose = options.registrationResponse ?? {};
    const asked = typeof body.token_endpoint_auth_method === 'string' ? (body.token_endpoint_auth_method as AuthMethod) : 'client_secret_basic';
    let method: AuthMethod = loose.assignMethod ?? (methods.includes(asked) ? asked : (methods[0] as AuthMethod));
    if (loose.secretForPublic && method === 'none') method = methods.find((m) => m !== 'none') ?? 'client_secret_basic';
    const client: RegisteredClient = { client_id: `c-${random()}`, token_endpoint_auth_method: method, redirect_uris: Array.isArray(body.redirect_uris) ? (body.redirect_uris as string[]) : [] };
    if (method !== 'none') client.client_secret = `s-${random()}`;
    clients.set(client.client_id, client);
    const response: Record<string, unknown> = { client_id: client.client_id, client_id_issued_at: Math.floor(Date.now() / 1000) };
    if (client.client_secret) {
      response.client_secret = client.client_secret;
      if (!loose.omitExpiresAt) response.client_secret_expires_at = 0;
    }
    if (!loose.omitEchoed) Object.assign(response, body, { token_endpoint_auth_method: method });
    json(res, loose.status ?? 201, response);
  };

  const errorPage = (res: ServerResponse, error: string): void => {
    res.writeHead(400, { 'content-type': 'text/html' }).end(`<!doctype html><p>${error}</p>`);
  };

  /** A Client ID Metadata Document client: fetch the document its client_id names (loopback only in tests). */
  const documentClient = async (clientId: string): Promise<RegisteredClient | undefined> => {
    if (!options.clientIdMetadataDocuments || !clientId.startsWith('http://127.0.0.1:')) return undefined;
    try {
      const response = await fetch(clientId, { signal: AbortSignal.timeout(5_000) });
      const doc = (await response.json()) as { client_id?: unknown; redirect_uris?: unknown };
      if (doc.client_id !== clientId || !Array.isArray(doc.redirect_uris)) return undefined;
      return { client_id: clientId, token_endpoint_auth_method: 'none', redirect_uris: doc.redirect_uris as string[] };
    } catch {
      return undefined;
    }
  };

  const authorize = async (res: ServerResponse, params: URLSearchParams): Promise<void> => {
    as.authorizations.push(params);
    const clientId = params.get('client_id') ?? '';
    as.seenClientIds.push(clientId);
    const redirectUri = params.get('redirect_uri') ?? '';
    const client = clients.get(clientId) ?? (await documentClient(clientId));
    // RFC 6749 §4.1.2.1: an unknown client or a redirect URI not registered gets an error page, no redirect.
    if (!client) return errorPage(res, 'invalid_client');
    if (!(client.redirect_uris ?? []).some((u) => loopbackMatch(u, redirectUri))) return errorPage(res, 'invalid_redirect_uri');
    const back = new URL(redirectUri);
    const state = params.get('state');
    if (state !== null) back.searchParams.set('state', state);
    if (iss === 'present' || iss === 'present-unadvertised') back.searchParams.set('iss', issuer);
    if (iss === 'wrong') back.searchParams.set('iss', typeof options.wrongIss === 'function' ? options.wrongIss(issuer) : (options.wrongIss ?? `${issuer}/`));
    if (options.rejectResource && params.has('resource')) {
      back.searchParams.set('error', 'invalid_target');
    } else if (params.get('response_type') !== 'code' || params.get('code_challenge_method') !== 'S256' || !params.get('code_challenge')) {
      back.searchParams.set('error', 'invalid_request');
    } else {
      const code = random();
      const requested = params.get('scope') ?? undefined;
      const scope = options.grant ? options.grant(requested) : requested;
      codes.set(code, { clientId, redirectUri, challenge: params.get('code_challenge') ?? '', ...(scope ? { scope } : {}), ...(params.has('resource') ? { resource: params.get('resource') as string } : {}) });
      back.searchParams.set('code', code);
    }
    res.writeHead(302, { location: back.href }).end();
  };

  /** The client the request authenticates as, with the method it used, or undefined (invalid_client). */
  const authenticate = (req: IncomingMessage, body: URLSearchParams): { client: RegisteredClient | { client_id: string }; method: AuthMethod } | undefined => {
    const { id, secret, method } = presentedCredentials(req.headers.authorization, body, options.rawBasic === true);
    if (id) as.seenClientIds.push(id);
    if (!methods.includes(method) || !id) return undefined;
    if (options.clientIdMetadataDocuments && id.startsWith('http://127.0.0.1:') && method === 'none') return { client: { client_id: id }, method };
    const client = clients.get(id);
    if (!client || client.token_endpoint_auth_method !== method || (method !== 'none' && client.client_secret !== secret)) return undefined;
    return { client, method };
  };

  const issue = (res: ServerResponse, clientId: string, scope: string | undefined, resource: string | undefined): void => {
    const access = `at-${random()}`;
    const ttl = options.accessTokenTtl ?? 300;
    tokens.set(access, { clientId, scope, resource, expiresAt: Date.now() + ttl * 1000, issuer });
    const body: Record<string, unknown> = { access_token: access, token_type: 'Bearer', expires_in: ttl };
    if (scope && !options.omitTokenScope) body.scope = scope;
    const offline = (scope ?? '').split(' ').includes('offline_access');
    if (!options.refreshOnlyWithOfflineAccess || offline) {
      const refresh = `rt-${random()}`;
      refreshTokens.set(refresh, { clientId, ...(scope ? { scope } : {}), ...(resource ? { resource } : {}) });
      body.refresh_token = refresh;
    }
    json(res, 200, body);
  };

  const token = (req: IncomingMessage, res: ServerResponse, body: URLSearchParams): void => {
    const grant = body.get('grant_type') ?? '';
    const auth = authenticate(req, body);
    const record = (status: number): void => void as.tokenRequests.push({ grant, method: auth?.method ?? 'unknown', body, status });
    const fail = (status: number, error: string): void => {
      record(status);
      json(res, status, { error }, status === 401 ? { 'www-authenticate': 'Basic realm="token"' } : {});
    };
    if (!auth) return fail(401, 'invalid_client');
    if (options.rejectResource && body.has('resource')) return fail(400, 'invalid_target');
    if (grant === 'authorization_code') {
      const code = codes.get(body.get('code') ?? '');
      codes.delete(body.get('code') ?? '');
      const verifier = body.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (!code || code.clientId !== auth.client.client_id || code.redirectUri !== body.get('redirect_uri') || code.challenge !== challenge) return fail(400, 'invalid_grant');
      record(200);
      return issue(res, code.clientId, code.scope, body.get('resource') ?? code.resource);
    }
    if (grant === 'refresh_token') {
      const presented = body.get('refresh_token') ?? '';
      const refresh = refreshTokens.get(presented);
      if (!refresh || refresh.clientId !== auth.client.client_id) return fail(400, 'invalid_grant');
      refreshTokens.delete(presented);
      record(200);
      return issue(res, refresh.clientId, refresh.scope, body.get('resource') ?? refresh.resource);
    }
    return fail(400, 'unsupported_grant_type');
  };

  as.handle = async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const path = url.pathname;
    const wellKnown = path === '/.well-known/oauth-authorization-server' || path === '/.well-known/openid-configuration';
    if (wellKnown) {
      if (options.metadata === 'none') return false;
      json(res, 200, metadata());
      return true;
    }
    if (path === '/authorize' && req.method === 'GET') {
      await authorize(res, url.searchParams);
      return true;
    }
    if (path === '/register' && req.method === 'POST' && options.registration !== false) {
      let body: unknown;
      try {
        body = JSON.parse(await read(req));
      } catch {
        json(res, 400, { error: 'invalid_client_metadata' });
        return true;
      }
      register(res, body as Record<string, unknown>);
      return true;
    }
    if (path === '/token' && req.method === 'POST') {
      token(req, res, new URLSearchParams(await read(req)));
      return true;
    }
    if (path === '/revoke' && req.method === 'POST' && options.revocation) {
      const body = new URLSearchParams(await read(req));
      if (!authenticate(req, body)) {
        json(res, 401, { error: 'invalid_client' });
        return true;
      }
      const value = body.get('token') ?? '';
      as.revoked.push(value);
      tokens.delete(value);
      refreshTokens.delete(value);
      res.writeHead(200).end();
      return true;
    }
    return false;
  };
  return as;
}

/** The minimal AS on its own 127.0.0.1 port. */
export async function startMinimalAuthorizationServer(options: MinimalAsOptions = {}): Promise<MinimalAs> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const as = createMinimalAs(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, options);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    as.handle(req, res)
      .then((handled) => {
        if (!handled) res.writeHead(404).end();
      })
      .catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(error));
      });
  });
  as.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return as;
}
