import { describe, expect, it } from 'vitest';
import { principalKey, redactRedisUrl } from '../../../src/proxy/cluster/directory.js';
import { relayedHeaders, SECRET_HEADER } from '../../../src/proxy/cluster/forwarder.js';
import { principalChildKey } from '../../../src/proxy/identity/child-key.js';

describe('cluster: what crosses a hop and what the directory stores', () => {
  it('relays end-to-end headers and drops hop-by-hop ones and the cluster secret', () => {
    const out = relayedHeaders({
      'content-type': 'application/json', accept: 'text/event-stream', 'mcp-session-id': 'abc', authorization: 'Bearer t', 'last-event-id': '7',
      connection: 'keep-alive', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked', host: 'a:1', 'content-length': '9', [SECRET_HEADER]: 's',
    });
    expect(out).toEqual({ 'content-type': 'application/json', accept: 'text/event-stream', 'mcp-session-id': 'abc', authorization: 'Bearer t', 'last-event-id': '7' });
  });

  it('keeps a fingerprint of a principal\'s child key (principal and header values), never the principal or a value', () => {
    const of = (principal: string | undefined, env: Record<string, string> = {}): string => principalKey(principalChildKey(principal, env));
    const key = of('token:secret-value');
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(key).toBe(of('token:secret-value'));
    expect(key).not.toBe(of('token:other'));
    expect(of(undefined)).toBe('anonymous');
    expect(of(undefined, { TENANT: 'a' })).toMatch(/^[0-9a-f]{32}$/);
    expect(of(undefined)).not.toBe(of(undefined, { TENANT: 'a' }));
    expect(of('token:secret-value', { TENANT: 'a' })).not.toBe(of('token:secret-value', { TENANT: 'b' }));
    expect(of('token:secret-value', { TENANT: 'zz-tenant' })).not.toContain('zz');
  });

  it('logs a Redis URL without its password', () => {
    expect(redactRedisUrl('redis://user:hunter2@r.example:6379/0')).toBe('redis://user:***@r.example:6379/0');
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactRedisUrl('::')).toBe('(unparsable URL)');
  });
});
