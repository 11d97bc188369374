import { describe, expect, it } from 'vitest';
import { buildStaticHeaders, expandEnvVars, parseHeaderFlag, withHeaders } from '../../../src/client/http/request-headers.js';
import type { FetchLike } from '../../../src/shared/fetch-like.js';

describe('request headers', () => {
  it('expands ${VAR} from the environment', () => {
    expect(expandEnvVars('Bearer ${TOKEN}', { TOKEN: 'abc' })).toBe('Bearer abc');
    expect(expandEnvVars('${A}-${B}-$C-${}', { A: '1', B: '2' })).toBe('1-2-$C-${}');
  });

  it('an unset variable is an error that names it but not any value', () => {
    expect(() => expandEnvVars('x ${MISSING}', {})).toThrow(/\$\{MISSING\}/);
  });

  it('parses "Name: value" flags', () => {
    expect(parseHeaderFlag('X-Api-Key: ${K}', { K: 'secret' })).toEqual(['X-Api-Key', 'secret']);
    expect(parseHeaderFlag('X-Empty:', {})).toEqual(['X-Empty', '']);
    expect(parseHeaderFlag('X-Colons: a:b:c', {})).toEqual(['X-Colons', 'a:b:c']);
  });

  it('rejects malformed or transport-managed headers without echoing the value', () => {
    expect(() => parseHeaderFlag('no colon here', {})).toThrow(/Name: value/);
    expect(() => parseHeaderFlag('Bad Name: v', {})).toThrow(/invalid header name/);
    expect(() => parseHeaderFlag('Mcp-Session-Id: s', {})).toThrow(/managed by mcp-client/);
    let message = '';
    try {
      parseHeaderFlag('X-Evil: a${NL}b', { NL: '\nsecret' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('control character');
    expect(message).not.toContain('secret');
  });

  it('--bearer becomes Authorization and wins over a --header Authorization', () => {
    expect(buildStaticHeaders(['Authorization: Basic x', 'X-A: 1'], 'tok-${T}', { T: '9' })).toEqual([
      ['X-A', '1'],
      ['Authorization', 'Bearer tok-9'],
    ]);
    expect(buildStaticHeaders(['X-A: 1'], undefined, {})).toEqual([['X-A', '1']]);
  });

  it('withHeaders adds headers unless the request already has them (an outer OAuth layer wins)', async () => {
    const seen: Headers[] = [];
    const inner: FetchLike = async (_url, init) => {
      seen.push(new Headers(init?.headers));
      return new Response('ok');
    };
    const fetch = withHeaders(inner, [
      ['Authorization', 'Bearer static'],
      ['X-A', '1'],
    ]);
    await fetch('http://127.0.0.1/', { headers: { authorization: 'Bearer oauth' } });
    await fetch('http://127.0.0.1/');
    expect(seen[0]?.get('authorization')).toBe('Bearer oauth');
    expect(seen[0]?.get('x-a')).toBe('1');
    expect(seen[1]?.get('authorization')).toBe('Bearer static');
  });
});
