import { describe, expect, it } from 'vitest';
import { parseServersConfig, type ConfigContext } from '../../../src/proxy/config/config-file.js';
import { isProxyError } from '../../../src/shared/errors.js';

const CTX: ConfigContext = { file: 'servers.json', env: { DATA: '/srv/data', TOKEN: 't0k' }, baseDir: '/etc/mcp' };
const parse = (doc: unknown, ctx: ConfigContext = CTX) => parseServersConfig(typeof doc === 'string' ? doc : JSON.stringify(doc), ctx);
const one = (entry: Record<string, unknown>) => parse({ mcpServers: { fs: entry } })[0]!;

/** The CONFIG_INVALID message for `doc`; fails the test when it parses. */
function errorFor(doc: unknown): string {
  try {
    parse(doc);
  } catch (error) {
    expect(isProxyError(error, 'CONFIG_INVALID')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected CONFIG_INVALID');
}
const entryError = (entry: unknown): string => errorFor({ mcpServers: { fs: entry } });

describe('parseServersConfig: the Claude-Desktop-style servers file', () => {
  it('reads command, args, env and cwd, in file order, with ${VAR} expanded', () => {
    const servers = parse({
      mcpServers: {
        fs: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '${DATA}'], env: { API_TOKEN: '${TOKEN}', MODE: '${MODE:-ro}' }, cwd: '/tmp' },
        fetch: { command: 'uvx', args: ['mcp-server-fetch'] },
      },
    });
    expect(servers.map((s) => s.name)).toEqual(['fs', 'fetch']);
    expect(servers[0]).toEqual({ name: 'fs', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/data'], env: { API_TOKEN: 't0k', MODE: 'ro' }, cwd: '/tmp' });
    expect(servers[1]).toEqual({ name: 'fetch', command: 'uvx', args: ['mcp-server-fetch'], env: {} });
  });

  it('reads every per-server key', () => {
    expect(one({
      command: 'srv', shell: true, passEnv: false, allowTools: ['read_*', 'list?'], denyTools: ['read_secret'],
      headerToEnv: { 'X-Tenant': 'TENANT', 'X-User': 'USER_ID!' }, isolation: 'principal', maxSessions: 5, sessionTimeout: 30, requestTimeout: 2.5,
    })).toEqual({
      name: 'fs', command: 'srv', args: [], env: {}, shell: true, passEnv: false, allowTools: ['read_*', 'list?'], denyTools: ['read_secret'],
      headerToEnv: [{ header: 'x-tenant', variable: 'TENANT', required: false }, { header: 'x-user', variable: 'USER_ID', required: true }],
      isolation: 'principal', maxSessions: 5, sessionTimeout: 30, requestTimeout: 2.5,
    });
  });

  it('resolves a relative cwd against the file\'s directory; accepts "type": "stdio"', () => {
    expect(one({ command: 'srv', cwd: 'work' }).cwd).toBe('/etc/mcp/work');
    expect(one({ type: 'stdio', command: 'srv' }).command).toBe('srv');
  });

  it('a missing command is an error naming the entry and the key', () => {
    expect(entryError({ args: ['x'] })).toMatch(/^servers\.json: mcpServers\.fs\.command: missing/);
    expect(entryError({ command: '  ' })).toContain('mcpServers.fs.command: must not be empty');
  });

  it('an unknown key is an error naming the entry and the key (a typo is not ignored)', () => {
    const message = entryError({ command: 'srv', allowtools: ['x'] });
    expect(message).toContain('servers.json: mcpServers.fs.allowtools: unknown key');
    expect(message).toContain('allowTools');
  });

  it('bad values are errors naming the entry and the key', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ command: 3 }, 'mcpServers.fs.command: must be a string'],
      [{ command: 'srv', args: 'x' }, 'mcpServers.fs.args: must be an array'],
      [{ command: 'srv', args: ['ok', 2] }, 'mcpServers.fs.args[1]: must be a string'],
      [{ command: 'srv', env: { A: 1 } }, 'mcpServers.fs.env.A: must be a string'],
      [{ command: 'srv', env: ['A=1'] }, 'mcpServers.fs.env: must be an object'],
      [{ command: 'srv', env: { 'A-B': '1' } }, 'mcpServers.fs.env.A-B: is not a valid environment variable name'],
      [{ command: 'srv', cwd: '' }, 'mcpServers.fs.cwd: must not be empty'],
      [{ command: 'srv', shell: 'yes' }, 'mcpServers.fs.shell: must be true or false'],
      [{ command: 'srv', passEnv: 1 }, 'mcpServers.fs.passEnv: must be true or false'],
      [{ command: 'srv', allowTools: 'read_*' }, 'mcpServers.fs.allowTools: must be an array'],
      [{ command: 'srv', denyTools: [''] }, 'mcpServers.fs.denyTools[0]: must not be empty'],
      [{ command: 'srv', headerToEnv: ['X-Tenant'] }, 'mcpServers.fs.headerToEnv: must be an object'],
      [{ command: 'srv', headerToEnv: { 'X Tenant': 'T' } }, 'mcpServers.fs.headerToEnv.X Tenant: is not a valid HTTP header name'],
      [{ command: 'srv', headerToEnv: { 'X-Tenant': 'bad-name' } }, 'mcpServers.fs.headerToEnv.X-Tenant: must name an environment variable'],
      [{ command: 'srv', headerToEnv: { 'X-Sub': 'MCP_PROXY_SUB' } }, 'mcpServers.fs.headerToEnv.X-Sub: MCP_PROXY_SUB'],
      [{ command: 'srv', isolation: 'process' }, 'mcpServers.fs.isolation: must be "session" or "principal"'],
      [{ command: 'srv', maxSessions: 0 }, 'mcpServers.fs.maxSessions: must be a whole number'],
      [{ command: 'srv', maxSessions: 1.5 }, 'mcpServers.fs.maxSessions: must be a whole number'],
      [{ command: 'srv', maxSessions: '5' }, 'mcpServers.fs.maxSessions: must be a whole number'],
      [{ command: 'srv', sessionTimeout: -1 }, 'mcpServers.fs.sessionTimeout: must be a positive number of seconds'],
      [{ command: 'srv', requestTimeout: 0 }, 'mcpServers.fs.requestTimeout: must be a positive number of seconds'],
      [{ command: 'srv', type: 'http' }, 'mcpServers.fs.type: only stdio servers'],
    ];
    for (const [entry, expected] of cases) expect(entryError(entry), JSON.stringify(entry)).toContain(`servers.json: ${expected}`);
  });

  it('an unset ${VAR} is an error naming the variable, the entry and the key', () => {
    const message = entryError({ command: 'srv', env: { KEY: '${MISSING_KEY}' } });
    expect(message).toContain('servers.json: mcpServers.fs.env.KEY');
    expect(message).toContain('MISSING_KEY');
    expect(entryError({ command: '${NO_SUCH_BIN}' })).toContain('mcpServers.fs.command: the variable NO_SUCH_BIN is not set');
  });

  it('refuses names that are not one URL path segment', () => {
    for (const name of ['a/b', '', '.hidden', 'x y', 'ü', 'a'.repeat(65)]) {
      expect(errorFor({ mcpServers: { [name]: { command: 'srv' } } }), name).toContain(`mcpServers.${name}: a server name`);
    }
    expect(parse({ mcpServers: { 'my_server-2.v1': { command: 'srv' } } })[0]!.name).toBe('my_server-2.v1');
  });

  it('refuses a file that is not a servers file, naming the file', () => {
    expect(errorFor('{ not json')).toMatch(/^servers\.json: not valid JSON/);
    expect(errorFor([])).toContain('servers.json: must be a JSON object');
    expect(errorFor({})).toContain('servers.json: mcpServers: missing');
    expect(errorFor({ mcpServers: [] })).toContain('servers.json: mcpServers: must be an object');
    expect(errorFor({ mcpServers: {} })).toContain('servers.json: mcpServers: is empty');
    expect(errorFor({ mcpServers: { fs: { command: 'x' } }, globalShortcut: 'x' })).toContain('servers.json: globalShortcut: unknown key');
    expect(errorFor({ mcpServers: { fs: 'npx' } })).toContain('servers.json: mcpServers.fs: must be an object');
  });
});
