/** Pure decisions of the machine-to-machine and device grants, the key loader, and the device prompt views. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderToString } from 'ink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseM2mMethod, clientCredentialsProblem } from '../../src/oauth/grants/client-credentials.js';
import { algorithmFor, loadClientKey } from '../../src/oauth/grants/client-key.js';
import { devicePromptFrom, devicePromptLine, isDeviceRegistration } from '../../src/oauth/flow/device-flow.js';
import { DEVICE_CODE_GRANT } from '../../src/oauth/grants/registration.js';
import { isOAuthFlowError } from '../../src/shared/errors.js';
import { LoginProgressView } from '../../src/ui/login-progress.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('client credentials decisions', () => {
  it('needs a client id and exactly one of secret / key', () => {
    expect(clientCredentialsProblem({ clientId: undefined, clientSecret: 's', clientKeyFile: undefined })).toContain('--client-id');
    expect(clientCredentialsProblem({ clientId: 'c', clientSecret: undefined, clientKeyFile: undefined })).toContain('--client-secret or --client-key');
    expect(clientCredentialsProblem({ clientId: 'c', clientSecret: 's', clientKeyFile: 'k' })).toContain('not both');
    expect(clientCredentialsProblem({ clientId: 'c', clientSecret: 's', clientKeyFile: undefined })).toBeUndefined();
  });
  it('picks basic, else post, from the metadata; refuses what the server rules out', () => {
    expect(chooseM2mMethod(false, {})).toBe('client_secret_basic');
    expect(chooseM2mMethod(false, { token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'] })).toBe('client_secret_post');
    expect(isOAuthFlowError(thrown(() => chooseM2mMethod(false, { token_endpoint_auth_methods_supported: ['private_key_jwt'] })), 'GRANT_UNSUPPORTED')).toBe(true);
    expect(chooseM2mMethod(true, { token_endpoint_auth_methods_supported: ['private_key_jwt'] }, 'ES256')).toBe('private_key_jwt');
    expect(isOAuthFlowError(thrown(() => chooseM2mMethod(true, { token_endpoint_auth_methods_supported: ['client_secret_basic'] })), 'GRANT_UNSUPPORTED')).toBe(true);
    expect(isOAuthFlowError(thrown(() => chooseM2mMethod(true, { token_endpoint_auth_signing_alg_values_supported: ['RS256'] }, 'ES256')), 'GRANT_UNSUPPORTED')).toBe(true);
  });
});

describe('client key files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  it('maps key types to algorithms', () => {
    expect(algorithmFor('rsa', undefined)).toBe('RS256');
    expect(algorithmFor('ec', 'prime256v1')).toBe('ES256');
    expect(algorithmFor('EC', 'P-256')).toBe('ES256');
    expect(algorithmFor('ec', 'secp256k1')).toBeUndefined();
    expect(algorithmFor('dsa', undefined)).toBeUndefined();
  });
  it('reads SEC1 and PKCS#1 PEMs (not only PKCS#8), refuses public keys and names the file', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const sec1 = join(dir, 'sec1.pem');
    const pkcs1 = join(dir, 'pkcs1.pem');
    const pub = join(dir, 'public.pem');
    const oct = join(dir, 'oct.json');
    await writeFile(sec1, ec.privateKey.export({ format: 'pem', type: 'sec1' }));
    await writeFile(pkcs1, rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }));
    await writeFile(pub, ec.publicKey.export({ format: 'pem', type: 'spki' }));
    await writeFile(oct, JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }));
    expect((await loadClientKey(sec1)).alg).toBe('ES256');
    expect((await loadClientKey(pkcs1)).alg).toBe('RS256');
    for (const file of [pub, oct, join(dir, 'missing.pem')]) {
      const error = await loadClientKey(file).catch((e: unknown) => e);
      expect(isOAuthFlowError(error, 'CLIENT_KEY_INVALID')).toBe(true);
      expect((error as Error).message).toContain(file);
    }
  });
});

describe('device prompt', () => {
  const base = { verification_uri: 'https://as.example.com/device', user_code: 'WDJB-MJHT', expires_in: 600 };
  it('keeps the complete URI when safe and says it in one line', () => {
    const prompt = devicePromptFrom({ ...base, verification_uri_complete: 'https://as.example.com/device?user_code=WDJB-MJHT' }, 0);
    expect(prompt).toEqual({ verificationUri: base.verification_uri, verificationUriComplete: 'https://as.example.com/device?user_code=WDJB-MJHT', userCode: 'WDJB-MJHT', expiresAt: 600_000 });
    expect(devicePromptLine(prompt, 0)).toBe('To sign in, visit https://as.example.com/device?user_code=WDJB-MJHT (or https://as.example.com/device and enter code WDJB-MJHT) within 10 min');
    expect(devicePromptLine(devicePromptFrom(base, 0), 0)).toBe('To sign in, visit https://as.example.com/device and enter code WDJB-MJHT within 10 min');
  });
  it('refuses terminal escapes in the user code and non-http(s) verification URIs', () => {
    expect(isOAuthFlowError(thrown(() => devicePromptFrom({ ...base, user_code: 'AB\u001b[2JCD' }, 0)), 'METADATA_INVALID')).toBe(true);
    expect(isOAuthFlowError(thrown(() => devicePromptFrom({ ...base, verification_uri: 'javascript:alert(1)' }, 0)), 'UNSAFE_BROWSER_URL')).toBe(true);
    expect(devicePromptFrom({ ...base, verification_uri_complete: 'file:///etc/passwd' }, 0).verificationUriComplete).toBeUndefined();
  });
  it('reuses a stored registration only when it was made for the device grant at this issuer', () => {
    const client = { client_id: 'c', issuer: 'https://as', metadata: { grant_types: [DEVICE_CODE_GRANT, 'refresh_token'] } };
    expect(isDeviceRegistration(client, 'https://as')).toBe(true);
    expect(isDeviceRegistration(client, 'https://other')).toBe(false);
    expect(isDeviceRegistration({ ...client, metadata: { grant_types: ['authorization_code'] } }, 'https://as')).toBe(false);
    expect(isDeviceRegistration(undefined, 'https://as')).toBe(false);
  });
  it('the ink view shows the URI and the code while waiting', () => {
    const device = devicePromptFrom({ ...base, verification_uri_complete: 'https://as.example.com/device?user_code=WDJB-MJHT' }, 0);
    const text = renderToString(<LoginProgressView events={[{ step: 'discovering' }, { step: 'waiting-for-device', url: device.verificationUriComplete, device }]} />, { columns: 200 });
    expect(text).toContain('Waiting for you to sign in on another device');
    expect(text).toContain('https://as.example.com/device');
    expect(text).toContain('WDJB-MJHT');
    expect(text).toContain('https://as.example.com/device?user_code=WDJB-MJHT');
  });
});
