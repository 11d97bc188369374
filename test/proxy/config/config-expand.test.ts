import { describe, expect, it } from 'vitest';
import { expandString } from '../../../src/proxy/config/config-expand.js';
import { isProxyError } from '../../../src/shared/errors.js';

const WHERE = 'servers.json: mcpServers.fs.args[0]';

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (error) {
    expect(isProxyError(error, 'CONFIG_INVALID')).toBe(true);
    return error as Error;
  }
  throw new Error('expected a CONFIG_INVALID error');
}

describe('expandString: ${VAR} and ${VAR:-default} from the environment', () => {
  it('expands set variables, several per string, and leaves text without references as it is', () => {
    expect(expandString('${HOME}/data/${NAME}', { HOME: '/home/a', NAME: 'x' }, WHERE)).toBe('/home/a/data/x');
    expect(expandString('plain', {}, WHERE)).toBe('plain');
    expect(expandString('', {}, WHERE)).toBe('');
  });

  it('uses the default when the variable is unset or empty (shell :- semantics), the value otherwise', () => {
    expect(expandString('${PORT:-8080}', {}, WHERE)).toBe('8080');
    expect(expandString('${PORT:-8080}', { PORT: '' }, WHERE)).toBe('8080');
    expect(expandString('${PORT:-8080}', { PORT: '9' }, WHERE)).toBe('9');
    expect(expandString('${EMPTY_DEFAULT:-}', {}, WHERE)).toBe('');
    expect(expandString('${URL:-http://localhost:1/x?a=b}', {}, WHERE)).toBe('http://localhost:1/x?a=b');
  });

  it('keeps a set but empty variable without a default empty', () => {
    expect(expandString('[${EMPTY}]', { EMPTY: '' }, WHERE)).toBe('[]');
  });

  it('leaves what is not a reference alone: $VAR, a lone $, ${} and bad names', () => {
    expect(expandString('$HOME and $ and ${} and ${1X}', { HOME: '/h' }, WHERE)).toBe('$HOME and $ and ${} and ${1X}');
  });

  it('an unset variable without a default is an error naming the variable and the place', () => {
    const error = errorOf(() => expandString('--token=${API_TOKEN}', {}, WHERE));
    expect(error.message).toContain('API_TOKEN');
    expect(error.message).toContain(WHERE);
  });

  it('refuses the proxy\'s own MCP_PROXY_* variables, set or not, so a token cannot reach a server through the file', () => {
    const error = errorOf(() => expandString('${MCP_PROXY_AUTH_TOKEN}', { MCP_PROXY_AUTH_TOKEN: 'secret' }, WHERE));
    expect(error.message).toContain('MCP_PROXY_AUTH_TOKEN');
    expect(error.message).not.toContain('secret');
    expect(() => expandString('${MCP_PROXY_X:-d}', {}, WHERE)).toThrow(/MCP_PROXY_X/);
  });
});
