/**
 * oidc-provider set up for machine-to-machine and headless sign-in: the client-credentials grant with
 * pre-registered clients for each token-endpoint method (client_secret_basic, client_secret_post,
 * private_key_jwt with an ES256 and an RS256 key), and the device authorization grant (RFC 8628) with a
 * public client. Every token-endpoint request is recorded (grant, how the client authenticated, the decoded
 * client assertion); device polls can be answered with slow_down; the poll interval is shortened for tests.
 * `approveDevice` plays the person: it drives oidc-provider's own device pages over HTTP (no browser).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, exportJWK, exportPKCS8, generateKeyPair, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { fetch } from 'undici';
import { startAuthorizationServer, type TestAuthorizationServer } from './oauth-authorization-server.js';

export interface TokenRequestRecord {
  at: number;
  grantType: string | undefined;
  status: number;
  error: string | undefined;
  /** `basic` when credentials came in the Authorization header, `post` when client_secret was in the body. */
  secretIn: 'basic' | 'post' | undefined;
  assertion?: { header: ProtectedHeaderParameters; payload: JWTPayload };
}

export interface M2mKeyFiles {
  /** PKCS#8 PEM files and JWK (private) files. */
  es256Pem: string;
  rs256Pem: string;
  es256Jwk: string;
  rs256Jwk: string;
  /** A key the server does not know. */
  strangerPem: string;
}

export interface M2mAuthorizationServer extends TestAuthorizationServer {
  tokenRequests: TokenRequestRecord[];
  /** Device authorization responses handed out. */
  deviceAuthorizations: number;
  keys: M2mKeyFiles;
  /** Answer the next `n` device polls that would be authorization_pending with slow_down instead. */
  slowDownNext(n: number): void;
}

export const M2M_SECRET = 'm2m-secret-0123456789abcdef';

export interface M2mServerOptions {
  accessTokenTtl?: number;
  /** Device code lifetime, seconds (default 120). */
  deviceCodeTtl?: number;
  /** The `interval` put into device authorization responses (default 1). */
  deviceInterval?: number;
  /** token_endpoint_auth_methods_supported (default oidc-provider's: none, basic, post, client_secret_jwt, private_key_jwt). */
  clientAuthMethods?: string[];
  /** Publish metadata without authorization_endpoint and code_challenge_methods_supported (a token-only AS). */
  tokenOnly?: boolean;
}

async function keyPair(alg: 'ES256' | 'RS256', kid: string): Promise<{ pem: string; privateJwk: object; publicJwk: object }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { pem: await exportPKCS8(privateKey), privateJwk: { ...(await exportJWK(privateKey)), kid, alg }, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export async function startM2mAuthorizationServer(options: M2mServerOptions = {}): Promise<M2mAuthorizationServer> {
  const es = await keyPair('ES256', 'es-key');
  const rs = await keyPair('RS256', 'rs-key');
  const stranger = await keyPair('ES256', 'stranger');
  const dir = await mkdtemp(join(tmpdir(), 'mcp-m2m-keys-'));
  const keys: M2mKeyFiles = { es256Pem: join(dir, 'es256.pem'), rs256Pem: join(dir, 'rs256.pem'), es256Jwk: join(dir, 'es256.jwk.json'), rs256Jwk: join(dir, 'rs256.jwk.json'), strangerPem: join(dir, 'stranger.pem') };
  await writeFile(keys.es256Pem, es.pem, { mode: 0o600 });
  await writeFile(keys.rs256Pem, rs.pem, { mode: 0o600 });
  await writeFile(keys.es256Jwk, JSON.stringify(es.privateJwk), { mode: 0o600 });
  await writeFile(keys.rs256Jwk, JSON.stringify(rs.privateJwk), { mode: 0o600 });
  await writeFile(keys.strangerPem, stranger.pem, { mode: 0o600 });
  const m2m = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
  const clients = [
      { client_id: 'm2m-basic', client_secret: M2M_SECRET, token_endpoint_auth_method: 'client_secret_basic', ...m2m },
      { client_id: 'm2m-post', client_secret: M2M_SECRET, token_endpoint_auth_method: 'client_secret_post', ...m2m },
      { client_id: 'm2m-es256', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', jwks: { keys: [es.publicJwk] }, ...m2m },
      { client_id: 'm2m-rs256', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'RS256', jwks: { keys: [rs.publicJwk] }, ...m2m },
      { client_id: 'device-public', token_endpoint_auth_method: 'none', grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'], response_types: [], redirect_uris: [], client_name: 'mcp-client device tests' },
  ];
  const as = await startAuthorizationServer({
    ...(options.accessTokenTtl !== undefined ? { accessTokenTtl: options.accessTokenTtl } : {}),
    configure: (configuration) => {
      configuration.clients = clients;
      configuration.features = { ...(configuration.features as object), clientCredentials: { enabled: true }, deviceFlow: { enabled: true } };
      configuration.ttl = { ...(configuration.ttl as object), DeviceCode: options.deviceCodeTtl ?? 120, ClientCredentials: options.accessTokenTtl ?? 300 };
      if (options.clientAuthMethods) configuration.clientAuthMethods = options.clientAuthMethods;
    },
  });
  const tokenRequests: TokenRequestRecord[] = [];
  let slowDowns = 0;
  const server: M2mAuthorizationServer = Object.assign(as, {
    tokenRequests,
    deviceAuthorizations: 0,
    keys,
    slowDownNext(n: number) {
      slowDowns = n;
    },
  });
  const close = as.close;
  server.close = async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  };
  as.provider.use(async (ctx, next) => {
    await next();
    const body = typeof ctx.body === 'object' && ctx.body !== null ? (ctx.body as Record<string, unknown>) : undefined;
    if (options.tokenOnly && ctx.path.startsWith('/.well-known/') && body) {
      delete body.authorization_endpoint;
      delete body.code_challenge_methods_supported;
    }
    if (ctx.method === 'POST' && ctx.path === '/device/auth' && body?.device_code) {
      server.deviceAuthorizations++;
      body.interval = options.deviceInterval ?? 1;
    }
    if (ctx.method !== 'POST' || ctx.path !== '/token') return;
    const form = ctx.oidc?.body ?? {};
    const record: TokenRequestRecord = {
      at: Date.now(),
      grantType: typeof form.grant_type === 'string' ? form.grant_type : undefined,
      status: ctx.status,
      error: typeof body?.error === 'string' ? body.error : undefined,
      secretIn: String(ctx.headers.authorization ?? '').startsWith('Basic ') ? 'basic' : typeof form.client_secret === 'string' ? 'post' : undefined,
    };
    if (typeof form.client_assertion === 'string') record.assertion = { header: decodeProtectedHeader(form.client_assertion), payload: decodeJwt(form.client_assertion) };
    if (record.error === 'authorization_pending' && slowDowns > 0) {
      slowDowns--;
      ctx.body = { error: 'slow_down', error_description: 'polling too fast (test server)' };
      record.error = 'slow_down';
    }
    tokenRequests.push(record);
  });
  return server;
}

/** Plays the person at the verification page: enters the code, signs in as alice and consents, or aborts (deny). */
export async function approveDevice(verificationUri: string, userCode: string, options: { deny?: boolean } = {}): Promise<'approved' | 'denied'> {
  const jar = new Map<string, string>();
  let url = new URL(verificationUri);
  let method = 'GET';
  let body: string | undefined;
  for (let step = 0; step < 20; step++) {
    if (url.hostname !== '127.0.0.1') throw new Error(`device user refuses non-loopback ${url.href}`);
    const headers: Record<string, string> = { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, { method, headers, redirect: 'manual', signal: AbortSignal.timeout(10_000), ...(body !== undefined ? { body } : {}) });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.text();
      url = new URL(location, url);
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await response.text();
    if (/Sign-in Success/.test(html)) return 'approved';
    if (/interrupted/.test(html)) return 'denied';
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
    if (response.status !== 200 || !form?.[1]) throw new Error(`device user stuck at ${url.pathname} (HTTP ${response.status}): ${html.slice(0, 300)}`);
    const fields = new URLSearchParams();
    for (const input of form[2]?.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g) ?? []) fields.set(input[1] as string, input[2] as string);
    if (/name="user_code"/.test(form[2] ?? '') && !fields.has('user_code')) fields.set('user_code', userCode);
    if (fields.has('confirm') && options.deny) {
      fields.delete('confirm');
      fields.set('abort', 'yes');
    }
    if (url.pathname.startsWith('/interaction/')) fields.set('login', 'alice');
    url = new URL(form[1], url);
    method = 'POST';
    body = fields.toString();
  }
  throw new Error('device user: too many steps');
}
