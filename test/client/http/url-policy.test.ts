import { describe, expect, it } from 'vitest';
import { checkServerUrl, isLoopbackHost } from '../../../src/client/http/url-policy.js';
import { isClientError } from '../../../src/shared/errors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isClientError(error) ? error.code : 'not a ClientError';
  }
  return undefined;
}

describe('url policy', () => {
  it('knows loopback hosts', () => {
    for (const h of ['localhost', 'LOCALHOST', 'api.localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::1', '::ffff:127.0.0.1']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['example.com', '10.0.0.1', '128.0.0.1', 'localhost.example.com', '[::2]', '0.0.0.0']) expect(isLoopbackHost(h)).toBe(false);
  });

  it('accepts https anywhere and http on loopback', () => {
    expect(checkServerUrl('https://mcp.example.com/mcp', false).href).toBe('https://mcp.example.com/mcp');
    expect(checkServerUrl('http://127.0.0.1:3000/mcp', false).port).toBe('3000');
    expect(checkServerUrl('http://[::1]:3000/mcp', false).hostname).toBe('[::1]');
    expect(checkServerUrl('http://localhost/mcp', false).hostname).toBe('localhost');
  });

  it('refuses plain http elsewhere unless --allow-http', () => {
    expect(codeOf(() => checkServerUrl('http://mcp.example.com/mcp', false))).toBe('INSECURE_URL');
    expect(checkServerUrl('http://mcp.example.com/mcp', true).protocol).toBe('http:');
  });

  it('rejects malformed URLs, other schemes and embedded credentials', () => {
    expect(codeOf(() => checkServerUrl('not a url', false))).toBe('CONFIG_INVALID');
    expect(codeOf(() => checkServerUrl('ftp://example.com/', true))).toBe('CONFIG_INVALID');
    expect(codeOf(() => checkServerUrl('https://user:pw@example.com/mcp', false))).toBe('CONFIG_INVALID');
  });
});
