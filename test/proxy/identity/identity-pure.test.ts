import { describe, expect, it } from 'vitest';
import { MAX_HEADER_ENV_BYTES, parseHeaderToEnv, readHeaderEnv } from '../../../src/proxy/identity/header-to-env.js';
import { childKeyFingerprint, principalChildKey } from '../../../src/proxy/identity/child-key.js';
import { claimsEnv } from '../../../src/proxy/identity/forwarded-claims.js';
import { callerIdentity, identityConfigured, withCallerEnv } from '../../../src/proxy/identity/caller-identity.js';
import { ProxyRefusal, refusalAnswer } from '../../../src/proxy/http/refusals.js';
import type { HeaderToEnvSpec } from '../../../src/proxy/proxy-options.js';

const spec = (item: string): HeaderToEnvSpec => {
  const parsed = parseHeaderToEnv(item);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.spec;
};
const errorOf = (item: string): string => {
  const parsed = parseHeaderToEnv(item);
  return 'error' in parsed ? parsed.error : '(accepted)';
};

describe('--header-to-env HEADER=VAR[!]: parsing', () => {
  it('reads the header (lower-cased), the variable and the required mark', () => {
    expect(spec('X-Tenant=TENANT')).toEqual({ header: 'x-tenant', variable: 'TENANT', required: false });
    expect(spec(' X-User-Id = USER_ID! ')).toEqual({ header: 'x-user-id', variable: 'USER_ID', required: true });
  });

  it('refuses a variable of the proxy (MCP_PROXY_*, any case): a header must never spoof the forwarded claims', () => {
    expect(errorOf('X-Sub=MCP_PROXY_SUB')).toContain('MCP_PROXY_SUB is refused');
    expect(errorOf('X-Token=mcp_proxy_token!')).toContain('refused');
  });

  it('refuses bad header names, credential and proxy headers, bad variable names and a missing =', () => {
    expect(errorOf('X Tenant=T')).toContain('not a valid header name');
    expect(errorOf('X-Tenant:=T')).toContain('not a valid header name');
    expect(errorOf('Authorization=AUTH')).toContain('--forward-token');
    expect(errorOf('cookie=C')).toContain('cannot be copied');
    expect(errorOf('X-Mcp-Proxy-Cluster-Secret=S')).toContain('belong to the proxy');
    expect(errorOf('X-Tenant=1TENANT')).toContain('not a valid environment variable name');
    expect(errorOf('X-Tenant=TEN-ANT')).toContain('not a valid environment variable name');
    expect(errorOf('X-Tenant=')).toContain('not a valid environment variable name');
    expect(errorOf('X-Tenant')).toContain('HEADER=VAR');
    expect(errorOf('=TENANT')).toContain('HEADER=VAR');
  });
});

describe('--header-to-env: reading a request', () => {
  const specs = [spec('X-Tenant=TENANT!'), spec('X-Region=REGION')];

  it('sets each present header\'s variable; an absent optional one sets nothing', () => {
    expect(readHeaderEnv(specs, { 'x-tenant': 'acme', 'x-region': 'eu' })).toEqual({ ok: true, env: { TENANT: 'acme', REGION: 'eu' } });
    expect(readHeaderEnv(specs, { 'x-tenant': 'acme' })).toEqual({ ok: true, env: { TENANT: 'acme' } });
    expect(readHeaderEnv(specs, { 'x-tenant': ['first', 'second'] })).toEqual({ ok: true, env: { TENANT: 'first' } });
  });

  it('a required header absent or empty is missing', () => {
    expect(readHeaderEnv(specs, { 'x-region': 'eu' })).toEqual({ ok: false, header: 'x-tenant', problem: 'missing' });
    expect(readHeaderEnv(specs, { 'x-tenant': '' })).toEqual({ ok: false, header: 'x-tenant', problem: 'missing' });
  });

  it('a value over 8 KiB or with a control character (tab, DEL, C1) is refused; 8 KiB exactly is fine', () => {
    expect(readHeaderEnv(specs, { 'x-tenant': 'a'.repeat(MAX_HEADER_ENV_BYTES) }).ok).toBe(true);
    expect(readHeaderEnv(specs, { 'x-tenant': 'a'.repeat(MAX_HEADER_ENV_BYTES + 1) })).toEqual({ ok: false, header: 'x-tenant', problem: 'too-large' });
    for (const bad of ['a\tb', 'a\u007fb', 'a\u0085b', 'a\nb', '\u0000']) {
      expect(readHeaderEnv(specs, { 'x-tenant': 'ok', 'x-region': bad })).toEqual({ ok: false, header: 'x-region', problem: 'control-characters' });
    }
    expect(readHeaderEnv(specs, { 'x-tenant': 'café ünïcode-ish & spaces' }).ok).toBe(true);
  });
});

describe('caller identity', () => {
  const opts = { headerToEnv: [spec('X-Tenant=TENANT!')], forwardClaims: true };
  const claims = { sub: 'alice', iss: 'https://as.example', scopes: ['read', 'write'], token: 'raw.jwt.token' };

  it('forwarded claims: MCP_PROXY_SUB/ISS/SCOPES, and MCP_PROXY_TOKEN only with forwardToken', () => {
    expect(claimsEnv(claims, { claims: true, token: false })).toEqual({ MCP_PROXY_SUB: 'alice', MCP_PROXY_ISS: 'https://as.example', MCP_PROXY_SCOPES: 'read write' });
    expect(claimsEnv(claims, { claims: true, token: false })).not.toHaveProperty('MCP_PROXY_TOKEN');
    expect(claimsEnv(claims, { claims: false, token: true })).toEqual({ MCP_PROXY_TOKEN: 'raw.jwt.token' });
    expect(claimsEnv(undefined, { claims: true, token: true })).toEqual({});
  });

  it('is the header variables and the claims; its key is the principal and header variables only', () => {
    const identity = callerIdentity(opts, 'oauth:x#alice', claims, { 'x-tenant': 'acme' }, 1);
    expect(identity.env).toEqual({ TENANT: 'acme', MCP_PROXY_SUB: 'alice', MCP_PROXY_ISS: 'https://as.example', MCP_PROXY_SCOPES: 'read write' });
    expect(identity.key).toBe(principalChildKey('oauth:x#alice', { TENANT: 'acme' }));
    // A refreshed token (other scopes, other raw token) keeps the key: the same child.
    const refreshed = callerIdentity({ ...opts, forwardToken: true }, 'oauth:x#alice', { ...claims, scopes: ['read'], token: 'another' }, { 'x-tenant': 'acme' }, 2);
    expect(refreshed.key).toBe(identity.key);
  });

  it('a missing required header is the IDENTITY_HEADER refusal: 400, -32600, naming the header, never a value', () => {
    let thrown: unknown;
    try {
      callerIdentity(opts, undefined, undefined, {}, 7);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProxyRefusal);
    const answer = refusalAnswer(thrown as ProxyRefusal);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32600, message: 'Bad Request: the x-tenant header is required' } });
    try {
      callerIdentity(opts, undefined, undefined, { 'x-tenant': 'secret-value\u0001' }, 8);
    } catch (error) {
      thrown = error;
    }
    expect(JSON.stringify(refusalAnswer(thrown as ProxyRefusal).body)).not.toContain('secret-value');
    expect((thrown as ProxyRefusal).message).toContain('x-tenant header contains control characters');
  });

  it('is configured by any of the three options', () => {
    expect(identityConfigured({})).toBe(false);
    expect(identityConfigured({ headerToEnv: [] })).toBe(false);
    expect(identityConfigured({ headerToEnv: [spec('X-A=A')] })).toBe(true);
    expect(identityConfigured({ forwardClaims: true })).toBe(true);
    expect(identityConfigured({ forwardToken: true })).toBe(true);
  });

  it('the caller\'s variables go over the operator\'s --env, and nothing changes without them', () => {
    const child = { command: 'x', env: { TENANT: 'default', OTHER: '1' } };
    expect(withCallerEnv(child, { TENANT: 'acme' }).env).toEqual({ TENANT: 'acme', OTHER: '1' });
    expect(withCallerEnv(child, {})).toBe(child);
    expect(withCallerEnv(child, undefined)).toBe(child);
    expect(child.env.TENANT).toBe('default');
  });
});

describe('principalChildKey: which 2026-07-28 child serves a caller', () => {
  it('is equal exactly when the principal and the header variables are (order does not matter)', () => {
    expect(principalChildKey('p', { A: '1', B: '2' })).toBe(principalChildKey('p', { B: '2', A: '1' }));
    expect(principalChildKey('p', { A: '1' })).not.toBe(principalChildKey('p', { A: '2' }));
    expect(principalChildKey('p', { A: '1' })).not.toBe(principalChildKey('q', { A: '1' }));
    expect(principalChildKey('p', {})).not.toBe(principalChildKey('p', { A: '' }));
    expect(principalChildKey(undefined, {})).not.toBe(principalChildKey('null', {}));
    expect(principalChildKey(undefined, {})).toBe(principalChildKey(undefined, {}));
  });

  it('cannot be forged by values that look like separators (injective)', () => {
    expect(principalChildKey('p', { A: '1","B' })).not.toBe(principalChildKey('p', { A: '1', B: '' }));
    expect(principalChildKey('a"],["b', {})).not.toBe(principalChildKey('a', { b: '' }));
  });

  it('leaves the process only as a fingerprint', () => {
    const fp = childKeyFingerprint(principalChildKey('bearer:abc', { TENANT: 'zz-tenant' }));
    expect(fp).toMatch(/^[0-9a-f]{32}$/);
    expect(fp).not.toContain('zz');
    expect(childKeyFingerprint(principalChildKey(undefined, {}))).toBe('anonymous');
    expect(childKeyFingerprint(principalChildKey('anonymous', {}))).toMatch(/^[0-9a-f]{32}$/);
  });
});
