import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { alive, FIXTURE, textOf, waitFor } from '../helpers/proxy-harness.js';
import { cleanEnv, killProxyBinaries, runBinary, startProxyBinary, type ProxyBinary } from '../helpers/proxy-binary.js';
import { call, INIT, messagesOf, openSession, post } from '../helpers/raw-http.js';
import * as modernWire from '../helpers/modern-wire.js';
import { Client, SSEClientTransport } from '@modelcontextprotocol/client';

/**
 * `mcp-proxy --config servers.json` through the real binary: many servers on one listener, each at
 * /servers/<name>/mcp with its own children, the file's errors at start, and SIGHUP reloads.
 */

const NODE = process.execPath;
const dir = mkdtempSync(join(tmpdir(), 'mcp-proxy-config-'));
const started: ProxyBinary[] = [];
let files = 0;

/** A fixture server entry: the legacy fixture named `name`, with WHO=<name> in its environment. */
const fixtureServer = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ command: NODE, args: [FIXTURE, '--name', name], env: { WHO: name }, ...extra });

function writeConfig(servers: Record<string, unknown>, path = join(dir, `servers-${++files}.json`)): string {
  writeFileSync(path, JSON.stringify({ mcpServers: servers }, null, 2));
  return path;
}

async function start(file: string, env: Record<string, string> = {}, flags: string[] = []): Promise<ProxyBinary> {
  const p = await startProxyBinary(['--port', '0', '--config', file, ...flags], { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json', MCP_PROXY_KILL_GRACE: '1', ...env }) });
  started.push(p);
  return p;
}

const H = { 'mcp-protocol-version': '2025-11-25' };
const serverUrl = (p: ProxyBinary, name: string): string => `${p.url}/${name}/mcp`;
const health = async (p: ProxyBinary): Promise<Record<string, unknown>> => (await fetch(new URL('/healthz', p.url), { signal: AbortSignal.timeout(5_000) })).json() as Promise<Record<string, unknown>>;
const count = (text: string, needle: string): number => text.split(needle).length - 1;

/** initialize → the server's name (which child answered) and the session id. */
async function initialize(url: string): Promise<{ name: string; sid: string }> {
  const res = await post(url, INIT);
  expect(res.status).toBe(200);
  const sid = res.headers.get('mcp-session-id')!;
  const [answer] = await messagesOf(res);
  await (await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': sid, ...H })).text();
  return { name: (answer!.result as { serverInfo: { name: string } }).serverInfo.name, sid };
}

async function toolNames(url: string, sid: string): Promise<string[]> {
  const res = await post(url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': sid, ...H });
  return ((await messagesOf(res))[0]!.result as { tools: Array<{ name: string }> }).tools.map((t) => t.name);
}

const tool = async (url: string, sid: string, name: string, args: Record<string, unknown> = {}): Promise<string> => textOf((await call(url, sid, 7, name, args)).result);

/** Sends SIGHUP and waits for the reload's outcome line (the n-th of its kind). */
async function hangUp(p: ProxyBinary, outcome: 'configuration reloaded' | 'configuration reload rejected'): Promise<void> {
  const before = count(p.stderr(), outcome);
  p.proc.kill('SIGHUP');
  expect(await waitFor(() => count(p.stderr(), outcome) > before, 15_000)).toBe(true);
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});
afterAll(() => {
  killProxyBinaries();
  rmSync(dir, { recursive: true, force: true });
});

describe('mcp-proxy --config: many servers on one listener', () => {
  it('serves each server of the file at /servers/<name>/mcp with its own children; an unknown name is 404; /healthz counts per server', async () => {
    const p = await start(writeConfig({ alpha: fixtureServer('alpha', { env: { WHO: '${ALPHA_WHO}' } }), beta: fixtureServer('beta', { env: { WHO: '${BETA_WHO:-beta-default}' } }) }), { ALPHA_WHO: 'alpha-from-env' });
    expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/servers$/);
    const a = await initialize(serverUrl(p, 'alpha'));
    const b = await initialize(serverUrl(p, 'beta'));
    expect([a.name, b.name]).toEqual(['alpha', 'beta']);
    expect(await toolNames(serverUrl(p, 'alpha'), a.sid)).toContain('echo');
    expect(await toolNames(serverUrl(p, 'beta'), b.sid)).toContain('echo');
    // ${VAR} from the proxy's environment; ${VAR:-default} when it is unset.
    expect(await tool(serverUrl(p, 'alpha'), a.sid, 'env', { name: 'WHO' })).toBe('alpha-from-env');
    expect(await tool(serverUrl(p, 'beta'), b.sid, 'env', { name: 'WHO' })).toBe('beta-default');
    const pids = [await tool(serverUrl(p, 'alpha'), a.sid, 'pid'), await tool(serverUrl(p, 'beta'), b.sid, 'pid')];
    expect(new Set(pids).size).toBe(2);
    // A session belongs to its server: beta's path does not know alpha's session.
    expect((await post(serverUrl(p, 'beta'), { jsonrpc: '2.0', id: 3, method: 'ping' }, { 'mcp-session-id': a.sid, ...H })).status).toBe(404);
    const unknown = await post(serverUrl(p, 'gamma'), INIT);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('the MCP endpoint is /servers/<name>/mcp');
    expect((await post(new URL('/mcp', p.url).href, INIT)).status).toBe(404);
    expect((await post(`${p.url}/alpha/other`, INIT)).status).toBe(404);
    await initialize(serverUrl(p, 'alpha'));
    expect(await health(p)).toMatchObject({ status: 'ok', sessions: 3, servers: { alpha: { sessions: 2 }, beta: { sessions: 1 } } });
    expect(typeof (await health(p)).version).toBe('string');
  }, 40_000);

  it('a command together with --config is a usage error (exit 2); a bare command without --config works as before', async () => {
    const file = writeConfig({ alpha: fixtureServer('alpha') });
    const both = await runBinary(['--port', '0', '--config', file, '--', NODE, FIXTURE], { env: cleanEnv() });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--config');
    expect(both.stderr).toContain('give no server command');
    const bare = await startProxyBinary(['--port', '0', '--', NODE, FIXTURE], { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json' }) });
    started.push(bare);
    expect(bare.url).toMatch(/\/mcp$/);
    await openSession(bare.url);
  }, 30_000);

  it('--endpoint with --config, by flag or by MCP_PROXY_ENDPOINT, is a usage error (exit 2) naming where the servers are', async () => {
    const file = writeConfig({ alpha: fixtureServer('alpha') });
    const flag = await runBinary(['--port', '0', '--config', file, '--endpoint', '/x'], { env: cleanEnv() });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--endpoint does not apply with --config');
    expect(flag.stderr).toContain('/servers/<name>/mcp');
    const variable = await runBinary(['--port', '0', '--config', file], { env: cleanEnv({ MCP_PROXY_ENDPOINT: '/x' }) });
    expect(variable.code).toBe(2);
    expect(variable.stderr).toContain('--endpoint does not apply with --config');
  }, 30_000);

  it('refuses to start on a bad file, with one line naming the entry and the key (exit 2)', async () => {
    const run = async (servers: Record<string, unknown>): Promise<{ code: number | null; stderr: string }> => runBinary(['--port', '0', '--config', writeConfig(servers)], { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json' }) });
    const unset = await run({ alpha: fixtureServer('alpha', { env: { TOKEN: '${NOT_SET_ANYWHERE}' } }) });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('mcpServers.alpha.env.TOKEN');
    expect(unset.stderr).toContain('NOT_SET_ANYWHERE');
    const typo = await run({ alpha: fixtureServer('alpha', { maxsessions: 2 }) });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('mcpServers.alpha.maxsessions: unknown key');
    const noCommand = await run({ alpha: { args: [] } });
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toContain('mcpServers.alpha.command: missing');
    const missing = await runBinary(['--port', '0', '--config', join(dir, 'no-such.json')], { env: cleanEnv() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no-such.json: cannot read the servers file');
  }, 30_000);

  it('one server that cannot start fails the start, naming it (exit 1)', async () => {
    const file = writeConfig({ alpha: fixtureServer('alpha'), broken: { command: NODE, args: [FIXTURE, '--exit-on-start', '3'] } });
    const run = await runBinary(['--port', '0', '--config', file], { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json' }), timeoutMs: 30_000 });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('server \\"broken\\"');
  }, 40_000);

  it('per-server keys reach their server: maxSessions and requestTimeout apply to it alone', async () => {
    const p = await start(writeConfig({ small: fixtureServer('small', { maxSessions: 1, requestTimeout: 1 }), big: fixtureServer('big') }));
    const s = await initialize(serverUrl(p, 'small'));
    expect((await post(serverUrl(p, 'small'), INIT)).status).toBe(503);
    const b1 = await initialize(serverUrl(p, 'big'));
    await initialize(serverUrl(p, 'big'));
    const timedOut = await call(serverUrl(p, 'small'), s.sid, 9, 'hang');
    expect((timedOut.error as { message: string }).message).toMatch(/timed out|timeout/i);
    expect(await tool(serverUrl(p, 'big'), b1.sid, 'echo', { message: 'hi' })).toBe('echo: hi');
  }, 40_000);
});

describe('mcp-proxy --config: the listener\'s features apply to every server', () => {
  it('2026-07-28 requests are served per server, by that server\'s principal child', async () => {
    const p = await start(writeConfig({ alpha: fixtureServer('alpha'), beta: fixtureServer('beta') }), {}, ['--child-era', 'legacy']);
    const who = async (name: string): Promise<string> => {
      const answer = await modernWire.final(await modernWire.post(serverUrl(p, name), modernWire.request('tools/call', { name: 'env', arguments: { name: 'WHO' } })));
      return textOf(answer.result);
    };
    expect(await who('alpha')).toBe('alpha');
    expect(await who('beta')).toBe('beta');
    expect((await health(p)).servers).toEqual({ alpha: { sessions: 1 }, beta: { sessions: 1 } });
    expect((await modernWire.post(serverUrl(p, 'gamma'), modernWire.request('tools/list'))).status).toBe(404);
  }, 40_000);

  it('--auth-token protects every server; --metrics labels the live gauges by server', async () => {
    const p = await start(writeConfig({ alpha: fixtureServer('alpha'), beta: fixtureServer('beta') }), { MCP_PROXY_AUTH_TOKEN: 's3cret' }, ['--metrics']);
    expect((await post(serverUrl(p, 'alpha'), INIT)).status).toBe(401);
    expect((await post(serverUrl(p, 'beta'), INIT)).status).toBe(401);
    const auth = { authorization: 'Bearer s3cret' };
    await openSession(serverUrl(p, 'alpha'), auth);
    await openSession(serverUrl(p, 'alpha'), auth);
    await openSession(serverUrl(p, 'beta'), auth);
    const text = await (await fetch(new URL('/metrics', p.url), { signal: AbortSignal.timeout(10_000) })).text();
    expect(text).toMatch(/^mcp_proxy_sessions\{server="alpha"\} 2$/m);
    expect(text).toMatch(/^mcp_proxy_sessions\{server="beta"\} 1$/m);
    expect(text).toMatch(/^mcp_proxy_children\{server="alpha"\} 2$/m);
    expect(text).not.toMatch(/^mcp_proxy_sessions \d/m);
  }, 40_000);
});

describe('mcp-proxy --config: legacy HTTP+SSE per server', () => {
  it('each server has /servers/<name>/sse; the endpoint event names its own messages path; its tool filter applies', async () => {
    const p = await start(writeConfig({ alpha: fixtureServer('alpha', { denyTools: ['crash'] }), beta: fixtureServer('beta') }));
    const clients: Client[] = [];
    try {
      const connect = async (name: string): Promise<Client> => {
        const client = new Client({ name: 'sse-config-test', version: '1' });
        await client.connect(new SSEClientTransport(new URL(`${p.url}/${name}/sse`)));
        clients.push(client);
        return client;
      };
      const alpha = await connect('alpha');
      const beta = await connect('beta');
      expect(alpha.getServerVersion()?.name).toBe('alpha');
      expect(beta.getServerVersion()?.name).toBe('beta');
      expect((await alpha.listTools()).tools.map((t) => t.name)).not.toContain('crash');
      expect((await beta.listTools()).tools.map((t) => t.name)).toContain('crash');
      expect(textOf(await alpha.callTool({ name: 'env', arguments: { name: 'WHO' } }))).toBe('alpha');
      expect(await health(p)).toMatchObject({ servers: { alpha: { sessions: 1 }, beta: { sessions: 1 } } });
      const raw = await fetch(`${p.url}/alpha/sse`, { signal: AbortSignal.timeout(5_000) });
      const reader = raw.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      expect(first).toMatch(/^event: endpoint\ndata: \/servers\/alpha\/messages\?sessionId=/);
      expect((await fetch(`${p.url}/gamma/sse`, { signal: AbortSignal.timeout(5_000) })).status).toBe(404);
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    }
  }, 60_000);
});

describe('mcp-proxy --config: SIGHUP re-reads the file', () => {
  it('without --config, SIGHUP still stops the proxy (exit 0)', async () => {
    const p = await startProxyBinary(['--port', '0', '--drain-timeout', '0', '--', NODE, FIXTURE], { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json' }) });
    started.push(p);
    p.proc.kill('SIGHUP');
    expect(await p.exited).toBe(0);
  }, 30_000);

  it('adds a server, removes one (new sessions 404, an existing one served until its DELETE), changes one for new sessions only', async () => {
    const file = writeConfig({ alpha: fixtureServer('alpha'), beta: fixtureServer('beta'), gamma: fixtureServer('gamma') });
    const p = await start(file);
    const beta = await initialize(serverUrl(p, 'beta'));
    const gammaOld = await initialize(serverUrl(p, 'gamma'));
    const betaPid = Number(await tool(serverUrl(p, 'beta'), beta.sid, 'pid'));
    // alpha kept, beta removed, gamma changed, delta added.
    writeConfig({ alpha: fixtureServer('alpha'), gamma: fixtureServer('gamma', { env: { WHO: 'gamma-2' } }), delta: fixtureServer('delta') }, file);
    await hangUp(p, 'configuration reloaded');
    expect(p.stderr()).toMatch(/"msg":"configuration reloaded".*"added":\["delta"\].*"removed":\["beta"\].*"changed":\["gamma"\].*"unchanged":\["alpha"\]/);
    expect((await initialize(serverUrl(p, 'delta'))).name).toBe('delta');
    // The removed server: no new session, but its existing session keeps its child.
    expect((await post(serverUrl(p, 'beta'), INIT)).status).toBe(404);
    expect(await tool(serverUrl(p, 'beta'), beta.sid, 'echo', { message: 'still here' })).toBe('echo: still here');
    // The changed server: a new session gets the new entry, the old session its old child.
    const gammaNew = await initialize(serverUrl(p, 'gamma'));
    expect(await tool(serverUrl(p, 'gamma'), gammaNew.sid, 'env', { name: 'WHO' })).toBe('gamma-2');
    expect(await tool(serverUrl(p, 'gamma'), gammaOld.sid, 'env', { name: 'WHO' })).toBe('gamma');
    expect((await health(p)).servers).toMatchObject({ alpha: { sessions: 0 }, beta: { sessions: 1 }, gamma: { sessions: 2 }, delta: { sessions: 1 } });
    // The removed server's last session ends: its child goes, and so does the server.
    const del = await fetch(serverUrl(p, 'beta'), { method: 'DELETE', headers: { 'mcp-session-id': beta.sid, ...H }, signal: AbortSignal.timeout(10_000) });
    expect(del.status).toBeLessThan(300);
    expect(await waitFor(() => !alive(betaPid), 10_000)).toBe(true);
    expect(await waitFor(async () => (await health(p)).servers !== undefined && !('beta' in ((await health(p)).servers as object)), 10_000)).toBe(true);
    expect((await post(serverUrl(p, 'beta'), { jsonrpc: '2.0', id: 4, method: 'ping' }, { 'mcp-session-id': beta.sid, ...H })).status).toBe(404);
  }, 60_000);

  it('an invalid new file is rejected with a log line on stderr, and the old configuration keeps serving', async () => {
    const file = writeConfig({ alpha: fixtureServer('alpha') });
    const p = await start(file);
    const a = await initialize(serverUrl(p, 'alpha'));
    writeFileSync(file, JSON.stringify({ mcpServers: { alpha: fixtureServer('alpha'), beta: { command: NODE, args: ['${UNSET_ON_RELOAD}'] } } }));
    await hangUp(p, 'configuration reload rejected');
    expect(p.stderr()).toMatch(/"level":"error","msg":"configuration reload rejected; the previous configuration keeps serving".*mcpServers\.beta\.args\[0\].*UNSET_ON_RELOAD/);
    writeFileSync(file, '{ "mcpServers": ');
    await hangUp(p, 'configuration reload rejected');
    // A server of the new file that does not start rejects the whole file too, naming it.
    writeConfig({ alpha: fixtureServer('alpha'), broken: { command: NODE, args: [FIXTURE, '--exit-on-start', '4'] } }, file);
    await hangUp(p, 'configuration reload rejected');
    expect(p.stderr()).toContain('server \\"broken\\"');
    expect(await tool(serverUrl(p, 'alpha'), a.sid, 'echo', { message: 'x' })).toBe('echo: x');
    expect((await initialize(serverUrl(p, 'alpha'))).name).toBe('alpha');
    expect((await post(serverUrl(p, 'beta'), INIT)).status).toBe(404);
    // A later good file is applied: the proxy did not stop listening to SIGHUP.
    writeConfig({ alpha: fixtureServer('alpha'), beta: fixtureServer('beta') }, file);
    await hangUp(p, 'configuration reloaded');
    expect((await initialize(serverUrl(p, 'beta'))).name).toBe('beta');
    expect(p.proc.exitCode).toBeNull();
  }, 60_000);
});
