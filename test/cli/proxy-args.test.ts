import { describe, expect, it } from 'vitest';
import { parseProxyArgs, parseSize, UsageError } from '../../src/cli/proxy-args.js';

describe('parseProxyArgs', () => {
  it('takes everything after the command as the child\'s argv, flags included', () => {
    const o = parseProxyArgs(['--port', '8080', 'python', '-m', 'mcp_server_fetch', '--port', '9'], {});
    expect(o.port).toBe(8080);
    expect(o.command).toEqual(['python', '-m', 'mcp_server_fetch', '--port', '9']);
  });

  it('accepts -- before the command and applies defaults', () => {
    const o = parseProxyArgs(['--', 'npx', '-y', 'server'], {});
    expect(o).toMatchObject({ host: '127.0.0.1', port: 3000, endpoint: '/mcp', maxSessions: 100, sessionTimeout: 300, requestTimeout: 60, passEnv: true, shell: false });
    expect(o.command).toEqual(['npx', '-y', 'server']);
  });

  it('reads every option from MCP_PROXY_* variables, flags winning', () => {
    const o = parseProxyArgs(['--port', '1234', 'srv'], { MCP_PROXY_PORT: '9999', MCP_PROXY_HOST: '0.0.0.0', MCP_PROXY_MAX_BODY: '1mb', MCP_PROXY_ALLOW_ORIGIN: 'https://a.example,https://b.example', MCP_PROXY_SESSION_TIMEOUT: '30' });
    expect(o.port).toBe(1234);
    expect(o.host).toBe('0.0.0.0');
    expect(o.maxBody).toBe(1024 * 1024);
    expect(o.allowOrigin).toEqual(['https://a.example', 'https://b.example']);
    expect(o.sessionTimeout).toBe(30);
  });

  it('collects repeatable --env and --allow-origin', () => {
    const o = parseProxyArgs(['--env', 'A=1', '--env', 'B=x=y', '--allow-origin', 'https://a', '--allow-origin', 'https://b', '--no-pass-env', 'srv'], {});
    expect(o.env).toEqual({ A: '1', B: 'x=y' });
    expect(o.allowOrigin).toEqual(['https://a', 'https://b']);
    expect(o.passEnv).toBe(false);
  });

  it('refuses bad input with a UsageError (exit 2)', () => {
    expect(() => parseProxyArgs([], {})).toThrow(/no server command/);
    expect(() => parseProxyArgs(['--port', 'abc', 'srv'], {})).toThrow(UsageError);
    expect(() => parseProxyArgs(['--env', 'NOEQUALS', 'srv'], {})).toThrow(/KEY=VALUE/);
    expect(() => parseProxyArgs(['--auth-token', 't', '--oauth-issuer', 'https://i', 'srv'], {})).toThrow(/exclusive/);
  });

  it('--redis-url takes redis:// or rediss://; --advertise-url and --cluster-secret need it', () => {
    const o = parseProxyArgs(['--redis-url', 'redis://10.0.0.5:6379/2', '--advertise-url', 'http://10.0.0.7:3000/mcp', '--cluster-secret', 's3', 'srv'], {});
    expect([o.redisUrl, o.advertiseUrl, o.clusterSecret]).toEqual(['redis://10.0.0.5:6379/2', 'http://10.0.0.7:3000/mcp', 's3']);
    expect(parseProxyArgs(['srv'], { MCP_PROXY_REDIS_URL: 'rediss://user:pw@r.example:6380' }).redisUrl).toBe('rediss://user:pw@r.example:6380');
    expect(parseProxyArgs(['srv'], {}).redisUrl).toBeUndefined();
    expect(() => parseProxyArgs(['--redis-url', 'localhost:6379', 'srv'], {})).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => parseProxyArgs(['--redis-url', 'redis://r', '--advertise-url', 'ftp://x', 'srv'], {})).toThrow(/http\(s\) URL/);
    expect(() => parseProxyArgs(['--advertise-url', 'http://10.0.0.7:3000/mcp', 'srv'], {})).toThrow(/need --redis-url/);
    expect(() => parseProxyArgs(['srv'], { MCP_PROXY_CLUSTER_SECRET: 's' })).toThrow(/need --redis-url/);
    expect(() => parseProxyArgs(['srv'], { MCP_PROXY_REDIS_URL: 'redis://r', MCP_PROXY_CLUSTER_SECRET: ' ' })).toThrow(/empty/);
  });

  it('returns help as output with exit code 0', () => {
    try {
      parseProxyArgs(['--help'], {});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(0);
      expect((error as UsageError).output).toContain('Examples:');
    }
  });

  it('allows --demo without a command', () => {
    expect(parseProxyArgs(['--demo'], {}).demo).toBe(true);
  });

  it('--config (or MCP_PROXY_CONFIG) takes the place of the command; with a command, --demo or --redis-url it is a usage error', () => {
    expect(parseProxyArgs(['--config', 'servers.json'], {})).toMatchObject({ config: 'servers.json', command: [] });
    expect(parseProxyArgs([], { MCP_PROXY_CONFIG: 'servers.json' }).config).toBe('servers.json');
    expect(parseProxyArgs(['srv'], {}).config).toBeUndefined();
    expect(() => parseProxyArgs(['--config', 'servers.json', '--', 'srv'], {})).toThrow(/give no server command as well \(got: srv\)/);
    expect(() => parseProxyArgs(['srv'], { MCP_PROXY_CONFIG: 'servers.json' })).toThrow(UsageError);
    expect(() => parseProxyArgs(['--config', 'servers.json', '--demo'], {})).toThrow(/--config and --demo/);
    expect(() => parseProxyArgs(['--config', 'servers.json', '--redis-url', 'redis://r'], {})).toThrow(/--config and --redis-url/);
  });

  it('--config with an --endpoint given (flag or MCP_PROXY_ENDPOINT) is a usage error, not an endpoint silently ignored', () => {
    expect(() => parseProxyArgs(['--config', 'servers.json', '--endpoint', '/x'], {})).toThrow(/--endpoint does not apply with --config: each server of servers.json is at \/servers\/<name>\/mcp/);
    expect(() => parseProxyArgs(['--config', 'servers.json'], { MCP_PROXY_ENDPOINT: '/x' })).toThrow(/--endpoint does not apply with --config/);
    expect(parseProxyArgs(['--endpoint', '/x', 'srv'], {}).endpoint).toBe('/x');
    expect(parseProxyArgs(['--config', 'servers.json'], {}).config).toBe('servers.json'); // the default endpoint is no conflict
  });
});

describe('parseSize', () => {
  it('understands bytes and units', () => {
    expect(parseSize('4194304')).toBe(4194304);
    expect(parseSize('512kb')).toBe(512 * 1024);
    expect(parseSize('1.5MiB')).toBe(1.5 * 1024 * 1024);
    expect(() => parseSize('lots')).toThrow();
  });
});

describe('parseProxyArgs: legacy SSE, event store and keep-alive', () => {
  it('defaults: SSE on at /sse and /messages, an event store of 1000 events and 8 MiB, keep-alive 15 s', () => {
    expect(parseProxyArgs(['srv'], {})).toMatchObject({ sse: true, sseEndpoint: '/sse', messagesEndpoint: '/messages', eventStore: true, eventStoreSize: 1000, eventStoreBytes: 8 * 1024 * 1024, keepAlive: 15 });
  });

  it('reads the flags and their negations', () => {
    const o = parseProxyArgs(['--no-sse', '--no-event-store', '--event-store-size', '5', '--event-store-bytes', '64kb', '--keep-alive', '0', '--sse-endpoint', 'old', 'srv'], {});
    expect(o).toMatchObject({ sse: false, eventStore: false, eventStoreSize: 5, eventStoreBytes: 64 * 1024, keepAlive: 0, sseEndpoint: '/old' });
  });

  it('refuses paths that clash, and bad numbers', () => {
    expect(() => parseProxyArgs(['--sse-endpoint', '/mcp', 'srv'], {})).toThrow(/three different paths/);
    expect(() => parseProxyArgs(['--messages-endpoint', '/sse', 'srv'], {})).toThrow(/three different paths/);
    expect(parseProxyArgs(['--no-sse', '--sse-endpoint', '/mcp', 'srv'], {}).sse).toBe(false);
    expect(() => parseProxyArgs(['--event-store-size', '0', 'srv'], {})).toThrow(UsageError);
    expect(() => parseProxyArgs(['--keep-alive', '-1', 'srv'], {})).toThrow(UsageError);
    expect(() => parseProxyArgs(['srv'], { MCP_PROXY_EVENT_STORE_BYTES: 'lots' })).toThrow(/MCP_PROXY_EVENT_STORE_BYTES/);
  });
});
