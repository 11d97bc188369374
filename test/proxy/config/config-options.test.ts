import { describe, expect, it } from 'vitest';
import { sameEntry, serverOptions, serverPrefix, SERVER_PATHS } from '../../../src/proxy/config/config-options.js';
import { parseServersConfig, type ServerEntry } from '../../../src/proxy/config/config-file.js';
import { PROXY_DEFAULTS, type ProxyOptions } from '../../../src/proxy/proxy-options.js';
import { createLogger } from '../../../src/shared/logger.js';

/** The command line's options, as the CLI builds them: the defaults every server of the file starts from. */
const BASE: ProxyOptions = {
  ...PROXY_DEFAULTS,
  allowedOrigins: [],
  allowedHosts: [],
  child: { command: '', args: [], env: { FROM_FLAG: '1', SHARED: 'flag' }, passEnv: true, baseEnv: { PATH: '/bin' }, shell: false },
  version: 'test',
  logger: createLogger({ level: 'error', sink: { write: () => true }, format: 'json' }),
  now: () => 0,
};

const entryOf = (entry: Record<string, unknown>): ServerEntry =>
  parseServersConfig(JSON.stringify({ mcpServers: { fs: entry } }), { file: 'servers.json', env: {}, baseDir: '/etc' })[0]!;

describe('serverOptions: a config entry → that server\'s ProxyOptions', () => {
  it('maps every per-server key to its ProxyOptions field (seconds → ms, globs → toolFilter, headers → headerToEnv)', () => {
    const o = serverOptions(BASE, entryOf({
      command: 'srv', args: ['--x'], env: { SHARED: 'file' }, cwd: '/w', shell: true, passEnv: false,
      allowTools: ['read_*'], denyTools: ['read_secret'], headerToEnv: { 'X-Tenant': 'TENANT!' },
      isolation: 'principal', maxSessions: 3, sessionTimeout: 1.5, requestTimeout: 20,
    }));
    expect(o.child).toEqual({ command: 'srv', args: ['--x'], env: { FROM_FLAG: '1', SHARED: 'file' }, passEnv: false, baseEnv: { PATH: '/bin' }, shell: true, cwd: '/w' });
    expect(o.toolFilter).toEqual({ allow: ['read_*'], deny: ['read_secret'] });
    expect(o.headerToEnv).toEqual([{ header: 'x-tenant', variable: 'TENANT', required: true }]);
    expect(o.isolation).toBe('principal');
    expect(o.maxSessions).toBe(3);
    expect(o.sessionTimeoutMs).toBe(1_500);
    expect(o.requestTimeoutMs).toBe(20_000);
    expect(o.endpoint).toBe(SERVER_PATHS.mcp);
  });

  it('a key the entry leaves out keeps the command line\'s value', () => {
    const base: ProxyOptions = {
      ...BASE, maxSessions: 7, sessionTimeoutMs: 9_000, requestTimeoutMs: 4_000, isolation: 'principal',
      toolFilter: { allow: ['a*'], deny: ['b*'] }, headerToEnv: [{ header: 'x-a', variable: 'A', required: false }],
      child: { ...BASE.child, cwd: '/flag-cwd', shell: true, passEnv: false },
    };
    const o = serverOptions(base, entryOf({ command: 'srv' }));
    expect(o.maxSessions).toBe(7);
    expect(o.sessionTimeoutMs).toBe(9_000);
    expect(o.requestTimeoutMs).toBe(4_000);
    expect(o.isolation).toBe('principal');
    expect(o.toolFilter).toEqual({ allow: ['a*'], deny: ['b*'] });
    expect(o.headerToEnv).toEqual([{ header: 'x-a', variable: 'A', required: false }]);
    expect(o.child).toMatchObject({ command: 'srv', args: [], cwd: '/flag-cwd', shell: true, passEnv: false, env: { FROM_FLAG: '1', SHARED: 'flag' } });
  });

  it('allowTools and denyTools each replace only their own list', () => {
    const base: ProxyOptions = { ...BASE, toolFilter: { allow: ['a*'], deny: ['b*'] } };
    expect(serverOptions(base, entryOf({ command: 'srv', denyTools: ['c'] })).toolFilter).toEqual({ allow: ['a*'], deny: ['c'] });
    expect(serverOptions(BASE, entryOf({ command: 'srv', allowTools: ['x'] })).toolFilter).toEqual({ allow: ['x'], deny: [] });
    expect(serverOptions(BASE, entryOf({ command: 'srv' })).toolFilter).toBeUndefined();
  });

  it('an empty headerToEnv in the file turns the flag\'s mapping off for that server', () => {
    const base: ProxyOptions = { ...BASE, headerToEnv: [{ header: 'x-a', variable: 'A', required: true }] };
    expect(serverOptions(base, entryOf({ command: 'srv', headerToEnv: {} })).headerToEnv).toEqual([]);
  });

  it('the legacy SSE endpoints follow the server\'s prefix when the listener serves SSE', () => {
    expect(serverOptions({ ...BASE, legacySse: undefined }, entryOf({ command: 'srv' })).legacySse).toBeUndefined();
    const withSse = serverOptions({ ...BASE, legacySse: { endpoint: '/sse', messagesEndpoint: '/messages' } }, entryOf({ command: 'srv' }));
    expect(withSse.legacySse).toEqual({ endpoint: SERVER_PATHS.sse, messagesEndpoint: SERVER_PATHS.messages });
    expect(serverPrefix('fs') + SERVER_PATHS.sse).toBe('/servers/fs/sse');
  });

  it('does not change the base options it starts from', () => {
    const before = JSON.stringify(BASE);
    serverOptions(BASE, entryOf({ command: 'srv', env: { NEW: 'x' } }));
    expect(JSON.stringify(BASE)).toBe(before);
  });

  it('sameEntry: a changed value is a change; an equal entry is not', () => {
    expect(sameEntry(entryOf({ command: 'srv', args: ['a'] }), entryOf({ command: 'srv', args: ['a'] }))).toBe(true);
    expect(sameEntry(entryOf({ command: 'srv', args: ['a'] }), entryOf({ command: 'srv', args: ['b'] }))).toBe(false);
    expect(sameEntry(entryOf({ command: 'srv' }), entryOf({ command: 'srv', maxSessions: 2 }))).toBe(false);
  });
});
