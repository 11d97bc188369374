/**
 * Registration and client authentication against the minimal AS, one deployed-server behaviour per test:
 * loose registration responses, each token-endpoint auth method for the code and refresh grants, raw-compared
 * client_secret_basic, stale registrations, and the Client ID Metadata Document.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { basicCredentialPart } from '../../../src/oauth/grants/client-identity.js';
import { isOAuthFlowError } from '../../../src/shared/errors.js';
import type { AuthMethod, MinimalAsOptions } from '../../helpers/minimal-authorization-server.js';
import { startMinimalFixture, type MinimalFixture } from '../../helpers/minimal-oauth-fixture.js';
import { callTool } from '../../helpers/oauth-fixture.js';

let fx: MinimalFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function setup(options: MinimalAsOptions): Promise<MinimalFixture> {
  fx = await startMinimalFixture(options);
  return fx;
}

/** Signs in, calls a tool, then forces a refresh (clock an hour ahead) and calls again. */
async function signInAndRefresh(f: MinimalFixture, overrides: Parameters<MinimalFixture['client']>[0] = {}): Promise<void> {
  const { oauth } = f.client(overrides);
  expect(await callTool(oauth.fetch, f.mcp.url)).toBe('ok');
  const later = f.client({ ...overrides, now: () => Date.now() + 3_600_000 });
  expect(await callTool(later.oauth.fetch, f.mcp.url)).toBe('ok');
  expect(later.browser.opened).toHaveLength(0);
}

describe('tolerant registration responses', () => {
  it('a secret without client_secret_expires_at, HTTP 200 and no echoed fields: accepted, secret used with client_secret_basic', async () => {
    const f = await setup({ authMethods: ['client_secret_basic'], registrationResponse: { omitExpiresAt: true, omitEchoed: true, status: 200 } });
    await signInAndRefresh(f);
    expect(f.as.registrations).toHaveLength(1);
    expect(f.as.registrations[0]).toMatchObject({ application_type: 'native', token_endpoint_auth_method: 'client_secret_basic' });
    expect(f.as.tokenRequests.map((r) => [r.grant, r.method, r.status])).toEqual([
      ['authorization_code', 'client_secret_basic', 200],
      ['refresh_token', 'client_secret_basic', 200],
    ]);
  });

  it('a secret issued although we asked for a public client: the assigned method is used', async () => {
    const f = await setup({ registrationResponse: { secretForPublic: true, omitExpiresAt: true } });
    await signInAndRefresh(f);
    expect(f.as.registrations[0]?.token_endpoint_auth_method).toBe('none');
    expect(f.as.tokenRequests.every((r) => r.method === 'client_secret_basic' && r.status === 200)).toBe(true);
  });

  it('a secret and no token_endpoint_auth_method in the response: RFC 7591 default client_secret_basic', async () => {
    const f = await setup({ authMethods: ['client_secret_basic', 'client_secret_post'], registrationResponse: { omitEchoed: true, omitExpiresAt: true, assignMethod: 'client_secret_basic' } });
    await signInAndRefresh(f);
    expect(f.as.tokenRequests.map((r) => r.method)).toEqual(['client_secret_basic', 'client_secret_basic']);
  });

  it('a response without client_id is still refused', async () => {
    const server: Server = createServer((req, res) => {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const path = new URL(req.url ?? '/', origin).pathname;
      const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (path.startsWith('/.well-known/oauth-protected-resource')) return json(200, { resource: `${origin}/mcp`, authorization_servers: [origin] });
      if (path === '/.well-known/oauth-authorization-server') {
        return json(200, { issuer: origin, authorization_endpoint: `${origin}/authorize`, token_endpoint: `${origin}/token`, registration_endpoint: `${origin}/register`, code_challenge_methods_supported: ['S256'] });
      }
      if (path === '/register') return json(201, { client_secret: 'x', redirect_uris: [] });
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      fx = await startMinimalFixture();
      const { oauth } = fx.client({ serverUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp` });
      const error = await oauth.login().then(() => undefined, (e: unknown) => e);
      expect(isOAuthFlowError(error, 'REGISTRATION_FAILED')).toBe(true);
      expect(String(error)).toContain('no client_id');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('every token-endpoint auth method, for the code and the refresh grant', () => {
  for (const method of ['none', 'client_secret_basic', 'client_secret_post'] as AuthMethod[]) {
    it(`registered: the AS supports only ${method}`, async () => {
      const f = await setup({ authMethods: [method] });
      await signInAndRefresh(f);
      expect(f.as.registrations[0]?.token_endpoint_auth_method).toBe(method);
      expect(f.as.tokenRequests.map((r) => [r.grant, r.method, r.status])).toEqual([
        ['authorization_code', method, 200],
        ['refresh_token', method, 200],
      ]);
    });
  }

  it('pre-registered, AS without a registration endpoint and raw-compared basic credentials (ids with - . _ ~)', async () => {
    const client = { client_id: 'my-app_v1.2~x', client_secret: 'S3cr3t-with.dots_and~tilde', token_endpoint_auth_method: 'client_secret_basic' as const, redirect_uris: ['http://127.0.0.1/callback'] };
    const f = await setup({ registration: false, rawBasic: true, authMethods: ['client_secret_basic'], clients: [client] });
    await signInAndRefresh(f, { clientId: client.client_id, clientSecret: client.client_secret });
    expect(f.as.registrations).toHaveLength(0);
    expect(f.as.tokenRequests.map((r) => [r.method, r.status])).toEqual([
      ['client_secret_basic', 200],
      ['client_secret_basic', 200],
    ]);
  });

  it('pre-registered client_secret_post, picked from the metadata', async () => {
    const client = { client_id: 'post-client', client_secret: 'p0st', token_endpoint_auth_method: 'client_secret_post' as const, redirect_uris: ['http://127.0.0.1/callback'] };
    const f = await setup({ registration: false, authMethods: ['client_secret_post'], clients: [client] });
    await signInAndRefresh(f, { clientId: client.client_id, clientSecret: client.client_secret });
    expect(f.as.tokenRequests.map((r) => r.method)).toEqual(['client_secret_post', 'client_secret_post']);
  });

  it('basic credentials: unreserved-only values unchanged, anything else form-encoded (RFC 6749 §2.3.1)', () => {
    expect(basicCredentialPart('a-b.c_d~e09')).toBe('a-b.c_d~e09');
    expect(basicCredentialPart('a+b/c=d e:f')).toBe('a%2Bb%2Fc%3Dd+e%3Af');
  });

  it('no registration endpoint and no --client-id: a clear error', async () => {
    const f = await setup({ registration: false });
    const error = await f.client().oauth.login().then(() => undefined, (e: unknown) => e);
    expect(isOAuthFlowError(error, 'REGISTRATION_UNSUPPORTED')).toBe(true);
    expect(String(error)).toContain('--client-id');
  });
});

describe('stale registrations are replaced once, without user action', () => {
  it('the AS forgot the client: the refresh answers invalid_client → one new registration and sign-in', async () => {
    const f = await setup({ authMethods: ['client_secret_basic'] });
    const first = f.client();
    expect(await callTool(first.oauth.fetch, f.mcp.url)).toBe('ok');
    f.as.forgetClients();
    const later = f.client({ now: () => Date.now() + 3_600_000 });
    expect(await callTool(later.oauth.fetch, f.mcp.url)).toBe('ok');
    expect(f.as.registrations).toHaveLength(2);
    expect(later.browser.opened).toHaveLength(1);
    expect(f.as.tokenRequests.find((r) => r.grant === 'refresh_token')?.status).toBe(401);
  });

  it('the AS forgot the client (public, no refresh token): the authorization endpoint refuses it → re-registered before the browser opens', async () => {
    const f = await setup({ authMethods: ['none'] });
    const first = f.client();
    await first.oauth.login();
    f.as.forgetClients();
    const again = f.client();
    await again.oauth.login();
    expect(f.as.registrations).toHaveLength(2);
    expect(again.browser.opened).toHaveLength(1); // the browser saw only the working URL
    expect(new URL(again.browser.opened[0] as string).searchParams.get('client_id')).toBe([...f.as.clients.keys()][0]);
  });

  it('the code exchange answers invalid_client for the stored client → one new registration and sign-in, once', async () => {
    const f = await setup({ authMethods: ['client_secret_post'] });
    await f.client().oauth.login();
    let forgotten = false;
    const again = f.client({}, {
      tamperCallback: (url) => {
        if (!forgotten) {
          forgotten = true;
          f.as.forgetClients(); // lost between the authorization and the code exchange
        }
        return url;
      },
    });
    await again.oauth.login();
    expect(f.as.registrations).toHaveLength(2);
    expect(again.browser.opened).toHaveLength(2);
    expect(f.as.tokenRequests.map((r) => r.status)).toEqual([200, 401, 200]);
  });

  it('a freshly registered client refused at the code exchange is not re-registered in a loop', async () => {
    const f = await setup({});
    const stuck = f.client({}, { tamperCallback: (url) => (f.as.forgetClients(), url) });
    const error = await stuck.oauth.login().then(() => undefined, (e: unknown) => e);
    expect(isOAuthFlowError(error, 'INVALID_CLIENT')).toBe(true);
    expect(f.as.registrations).toHaveLength(1);
  });

  it('the AS no longer accepts our redirect_uri → re-registered once', async () => {
    const f = await setup({});
    await f.client().oauth.login();
    for (const client of f.as.clients.values()) client.redirect_uris = ['http://127.0.0.1/elsewhere'];
    const again = f.client();
    await again.oauth.login();
    expect(f.as.registrations).toHaveLength(2);
    expect(f.logLines.some((l) => l.includes('refuses the stored client registration'))).toBe(true);
  });
});

describe('Client ID Metadata Document', () => {
  it('used instead of registration when the AS advertises support; the AS fetches and checks it', async () => {
    const doc: Server = createServer((_req, res) => {
      const url = `http://127.0.0.1:${(doc.address() as AddressInfo).port}/client.json`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ client_id: url, client_name: 'mcp-client', redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none' }));
    });
    await new Promise<void>((resolve) => doc.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(doc.address() as AddressInfo).port}/client.json`;
      const f = await setup({ clientIdMetadataDocuments: true });
      await signInAndRefresh(f, { clientMetadataUrl: url });
      expect(f.as.registrations).toHaveLength(0);
      expect(f.as.authorizations[0]?.get('client_id')).toBe(url);
    } finally {
      doc.closeAllConnections();
      await new Promise<void>((resolve) => doc.close(() => resolve()));
    }
  });

  it('not advertised: dynamic registration instead', async () => {
    const f = await setup({});
    await f.client({ clientMetadataUrl: 'http://127.0.0.1:9/client.json' }).oauth.login();
    expect(f.as.registrations).toHaveLength(1);
  });
});
