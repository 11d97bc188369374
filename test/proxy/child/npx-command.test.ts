import { describe, expect, it } from 'vitest';
import { isNpxCommand, parseNpxInvocation } from '../../../src/proxy/child/npx-command.js';

describe('parseNpxInvocation', () => {
  it('npx [-y] pkg args: the package and the server arguments', () => {
    expect(parseNpxInvocation('npx', ['-y', '@modelcontextprotocol/server-filesystem', '/data', '--flag'])).toEqual({ packages: ['@modelcontextprotocol/server-filesystem'], args: ['/data', '--flag'] });
    expect(parseNpxInvocation('/usr/local/bin/npx', ['--yes', 'pkg@1.2.3'])).toEqual({ packages: ['pkg@1.2.3'], args: [] });
    expect(parseNpxInvocation('npx', ['pkg', '-y'])).toEqual({ packages: ['pkg'], args: ['-y'] });
    expect(parseNpxInvocation('npx', ['-q', '--', 'pkg', 'a'])).toEqual({ packages: ['pkg'], args: ['a'] });
  });

  it('npx -p pkg [-p pkg2] bin args: the packages and the bin', () => {
    expect(parseNpxInvocation('npx', ['-y', '-p', 'mcp-bridge', 'mcp-client', 'https://x'])).toEqual({ packages: ['mcp-bridge'], bin: 'mcp-client', args: ['https://x'] });
    expect(parseNpxInvocation('npx', ['--package=a', '--package', 'b', 'tool'])).toEqual({ packages: ['a', 'b'], bin: 'tool', args: [] });
  });

  it('leaves what it does not fully understand to npx', () => {
    expect(parseNpxInvocation('node', ['x'])).toBeUndefined();
    expect(parseNpxInvocation('npx', [])).toBeUndefined();
    expect(parseNpxInvocation('npx', ['--no', 'pkg'])).toBeUndefined();
    expect(parseNpxInvocation('npx', ['-c', 'echo hi'])).toBeUndefined();
    expect(parseNpxInvocation('npx', ['-p'])).toBeUndefined();
    expect(parseNpxInvocation('npx', ['-p', 'pkg'])).toBeUndefined();
    expect(parseNpxInvocation('npx', ['--registry', 'https://r', 'pkg'])).toBeUndefined();
  });

  it('knows npx by its base name', () => {
    expect(isNpxCommand('npx')).toBe(true);
    expect(isNpxCommand('/opt/node/bin/npx')).toBe(true);
    expect(isNpxCommand('npx-wrapper')).toBe(false);
  });
});
