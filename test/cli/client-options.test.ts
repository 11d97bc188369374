import { describe, expect, it } from 'vitest';
import { parseArgv, resolveClientOptions, type RawFlags } from '../../src/cli/client-options.js';
import { isClientError } from '../../src/shared/errors.js';

function flags(args: string[]): RawFlags {
  const parsed = parseArgv(args);
  if (parsed.kind !== 'flags') throw new Error(`expected flags, got ${parsed.kind}`);
  return parsed.flags;
}

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isClientError(error, 'CONFIG_INVALID')) return error.message;
    throw error;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('parseArgv', () => {
  it('collects repeated headers without swallowing the URL', () => {
    const f = flags(['-H', 'A: 1', '--header', 'B: 2', 'https://h/mcp', '--json']);
    expect(f.header).toEqual(['A: 1', 'B: 2']);
    expect(f.serverUrl).toBe('https://h/mcp');
    expect(f.json).toBe(true);
  });
  it('reports help and usage errors instead of exiting', () => {
    const help = parseArgv(['--help']);
    expect(help.kind).toBe('help');
    expect(help.kind === 'help' && help.text).toContain('Examples:');
    const bad = parseArgv(['--no-such-flag']);
    expect(bad.kind).toBe('usage-error');
    expect(parseArgv(['--timeout']).kind).toBe('usage-error');
  });
});

describe('resolveClientOptions', () => {
  it('defaults to the bridge with auto transport and auto protocol', () => {
    const o = resolveClientOptions(flags(['https://h/mcp']), {});
    expect(o).toEqual({
      serverUrl: 'https://h/mcp',
      transport: 'auto',
      protocol: 'auto',
      headers: [],
      bearer: undefined,
      allowHttp: false,
      timeoutMs: 30_000,
      reconnectTimeoutMs: 60_000,
      logLevel: 'info',
      json: false,
      command: { kind: 'bridge' },
      eraCache: true,
    });
  });

  it('--no-era-cache and MCP_CLIENT_ERA_CACHE turn the era cache off; a bad value is a usage error', () => {
    expect(resolveClientOptions(flags(['--no-era-cache', 'https://h/mcp']), {}).eraCache).toBe(false);
    expect(resolveClientOptions(flags(['https://h/mcp']), { MCP_CLIENT_ERA_CACHE: 'false' }).eraCache).toBe(false);
    expect(resolveClientOptions(flags(['https://h/mcp']), { MCP_CLIENT_ERA_CACHE: 'on' }).eraCache).toBe(true);
    expect(() => resolveClientOptions(flags(['https://h/mcp']), { MCP_CLIENT_ERA_CACHE: 'maybe' })).toThrow(/MCP_CLIENT_ERA_CACHE/);
  });

  it('reads every flag from MCP_CLIENT_* (and MCP_SERVER_URL) when not given', () => {
    const o = resolveClientOptions(flags([]), {
      MCP_SERVER_URL: 'https://env/mcp',
      MCP_CLIENT_TRANSPORT: 'sse',
      MCP_CLIENT_PROTOCOL: 'legacy',
      MCP_CLIENT_HEADERS: 'A: 1\nB: 2',
      MCP_CLIENT_ACCESS_TOKEN: 'tok',
      MCP_CLIENT_ALLOW_HTTP: 'yes',
      MCP_CLIENT_TIMEOUT: '2.5',
      MCP_CLIENT_RECONNECT_TIMEOUT: '0',
      MCP_CLIENT_LOG_LEVEL: 'debug',
      MCP_CLIENT_JSON: '1',
      MCP_CLIENT_LIST_PROMPTS: 'true',
    });
    expect(o).toMatchObject({
      serverUrl: 'https://env/mcp',
      transport: 'sse',
      protocol: 'legacy',
      headers: ['A: 1', 'B: 2'],
      bearer: 'tok',
      allowHttp: true,
      timeoutMs: 2_500,
      reconnectTimeoutMs: 0,
      logLevel: 'debug',
      json: true,
      command: { kind: 'list', what: 'prompts' },
    });
    expect(resolveClientOptions(flags([]), { MCP_SERVER_URL: 'https://e', MCP_CLIENT_CALL: 'echo hi' }).command).toEqual({ kind: 'call', spec: 'echo hi' });
    expect(resolveClientOptions(flags([]), { MCP_SERVER_URL: 'https://e', MCP_CLIENT_HEADERS: 'A: 1\\nB: 2' }).headers).toEqual(['A: 1', 'B: 2']);
  });

  it('flags win over the environment', () => {
    const o = resolveClientOptions(flags(['--transport', 'http', '--protocol', 'modern', '--timeout', '5', '-H', 'C: 3', '-c', 'add a=1 b=2', 'https://flag/mcp']), {
      MCP_SERVER_URL: 'https://env/mcp',
      MCP_CLIENT_PROTOCOL: 'legacy',
      MCP_CLIENT_TRANSPORT: 'sse',
      MCP_CLIENT_TIMEOUT: '9',
      MCP_CLIENT_HEADERS: 'A: 1',
    });
    expect(o).toMatchObject({ serverUrl: 'https://flag/mcp', transport: 'http', protocol: 'modern', timeoutMs: 5_000, headers: ['C: 3'], command: { kind: 'call', spec: 'add a=1 b=2' } });
  });

  it('rejects bad values with a message naming the flag', () => {
    expect(configError(() => resolveClientOptions(flags([]), {}))).toContain('MCP_SERVER_URL');
    expect(configError(() => resolveClientOptions(flags(['--transport', 'ws', 'https://h']), {}))).toContain('--transport');
    expect(configError(() => resolveClientOptions(flags(['--protocol', '2026', 'https://h']), {}))).toContain('--protocol');
    expect(configError(() => resolveClientOptions(flags(['--protocol', 'modern', '--transport', 'sse', 'https://h']), {}))).toContain('legacy SSE');
    expect(configError(() => resolveClientOptions(flags(['--timeout', '0', 'https://h']), {}))).toContain('--timeout');
    expect(configError(() => resolveClientOptions(flags(['--timeout', 'soon', 'https://h']), {}))).toContain('--timeout');
    expect(configError(() => resolveClientOptions(flags(['--log-level', 'loud', 'https://h']), {}))).toContain('--log-level');
    expect(configError(() => resolveClientOptions(flags(['https://h']), { MCP_CLIENT_JSON: 'maybe' }))).toContain('MCP_CLIENT_JSON');
    expect(configError(() => resolveClientOptions(flags(['--list-tools', '-c', 'x', 'https://h']), {}))).toContain('only one of');
  });
});
