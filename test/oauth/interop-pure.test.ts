/** Pure decisions behind the interop behaviours: auth methods, registration tolerance, defaults, flag parsing. */
import { describe, expect, it } from 'vitest';
import { parseAuthorizeParams, resolveRequestOptions } from '../../src/cli/client-oauth-request-flags.js';
import { registeredAuthMethod } from '../../src/oauth/grants/client-identity.js';
import { defaultEndpointsMetadata } from '../../src/oauth/discovery/discovery.js';
import { classifyRefreshFailure } from '../../src/oauth/refresh-policy.js';
import { chooseRegistrationAuthMethod, storedClientFrom } from '../../src/oauth/grants/registration.js';
import { isClientError, isOAuthFlowError } from '../../src/shared/errors.js';

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('client authentication choices', () => {
  it('registration asks for a listed method, public first; RFC 8414 default without a list', () => {
    expect(chooseRegistrationAuthMethod(['client_secret_post', 'none'])).toBe('none');
    expect(chooseRegistrationAuthMethod(['client_secret_post', 'client_secret_basic'])).toBe('client_secret_basic');
    expect(chooseRegistrationAuthMethod(undefined)).toBe('client_secret_basic');
  });
  it('the assigned method wins; else client_secret_basic with a secret (RFC 7591 §2), else none', () => {
    expect(registeredAuthMethod('client_secret_post', true)).toBe('client_secret_post');
    expect(registeredAuthMethod(undefined, true)).toBe('client_secret_basic');
    expect(registeredAuthMethod(undefined, false)).toBe('none');
  });
  it('registration responses: only a missing client_id is refused', () => {
    expect(storedClientFrom('https://as', { client_id: 'c', client_secret: 's' })).toMatchObject({ client_id: 'c', client_secret: 's', token_endpoint_auth_method: 'client_secret_basic', issuer: 'https://as' });
    expect(storedClientFrom('https://as', { client_id: 'c' }).token_endpoint_auth_method).toBe('none');
    expect(isOAuthFlowError(thrown(() => storedClientFrom('https://as', { client_secret: 's' })), 'REGISTRATION_FAILED')).toBe(true);
    expect(isOAuthFlowError(thrown(() => storedClientFrom('https://as', { client_id: '' })), 'REGISTRATION_FAILED')).toBe(true);
  });
  it('invalid_client on refresh means a new login (and registration), never a retry', () => {
    expect(classifyRefreshFailure('INVALID_CLIENT', 0, 3)).toBe('relogin');
  });
});

describe('MCP 2025-03-26 default endpoints', () => {
  it('at the server origin, PKCE S256', () => {
    expect(defaultEndpointsMetadata('https://mcp.example.com')).toMatchObject({
      issuer: 'https://mcp.example.com',
      authorization_endpoint: 'https://mcp.example.com/authorize',
      token_endpoint: 'https://mcp.example.com/token',
      registration_endpoint: 'https://mcp.example.com/register',
      code_challenge_methods_supported: ['S256'],
    });
  });
});

describe('request flags', () => {
  it('parses key=value (values may contain =) and refuses flow-owned keys and malformed pairs', () => {
    expect(parseAuthorizeParams(['prompt=consent', 'x=a=b', 'empty='])).toEqual({ prompt: 'consent', x: 'a=b', empty: '' });
    for (const bad of ['state=1', 'scope=a', 'resource=x', 'noequals', '=v']) expect(isClientError(thrown(() => parseAuthorizeParams([bad])), 'CONFIG_INVALID')).toBe(true);
  });
  it('flags beat the environment; --no-resource and MCP_CLIENT_NO_RESOURCE', () => {
    expect(resolveRequestOptions({}, {})).toEqual({ resource: true });
    expect(resolveRequestOptions({ resource: true }, { MCP_CLIENT_NO_RESOURCE: '1' })).toEqual({ resource: false });
    expect(resolveRequestOptions({ resource: false }, {})).toEqual({ resource: false });
    expect(resolveRequestOptions({ authorizeParam: ['a=1'] }, { MCP_CLIENT_AUTHORIZE_PARAMS: 'b=2' })).toEqual({ resource: true, authorizeParams: { a: '1' } });
    expect(resolveRequestOptions({}, { MCP_CLIENT_AUTHORIZE_PARAMS: 'b=2\nc=3' })).toEqual({ resource: true, authorizeParams: { b: '2', c: '3' } });
  });
});
