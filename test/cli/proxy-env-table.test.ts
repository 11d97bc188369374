import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PROXY_OPTIONS } from '../../src/cli/proxy-option-table.js';
import { freePort } from '../helpers/client-bridge.js';
import { startJwksIssuer } from '../helpers/jwks-issuer.js';
import { localNpxPackage } from '../helpers/npx-package.js';
import { alive, FIXTURE, textOf, waitFor } from '../helpers/proxy-harness.js';
import { cleanEnv, killProxyBinaries, runBinary, startProxyBinary, type ProxyBinary } from '../helpers/proxy-binary.js';
import { redisGet } from '../helpers/cluster-run.js';
import { killRedisServers, startRedis, type RedisServer } from '../helpers/redis-server.js';
import { call, INIT, messagesOf, openSession, post, rawPost } from '../helpers/raw-http.js';
import { legacySession, openLegacySse } from '../helpers/legacy-sse-wire.js';

/**
 * Every mcp-proxy option, set only through its environment variable on the real binary, has the flag's
 * effect. The rows are keyed by option: an option added to the table without a row fails the first test.
 */

const NODE = process.execPath;
const fixture = (...extra: string[]): string[] => ['--', NODE, FIXTURE, ...extra];
const started: ProxyBinary[] = [];

async function start(env: Record<string, string>, command: string[] = fixture(), args: string[] = ['--port', '0']): Promise<ProxyBinary> {
  const p = await startProxyBinary([...args, ...command], { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json', MCP_PROXY_KILL_GRACE: '1', ...env }) });
  started.push(p);
  return p;
}

const toolText = async (url: string, sid: string, name: string, args: Record<string, unknown> = {}): Promise<string> => textOf((await call(url, sid, 7, name, args)).result);

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});
const onTeardown: Array<() => Promise<void>> = [];
afterAll(async () => {
  killProxyBinaries();
  await Promise.all(onTeardown.map((f) => f()));
  await redisServer?.stop();
  killRedisServers();
});

/** One real redis-server for the three --redis-url rows (started by the first that needs it). */
let redisServer: RedisServer | undefined;
async function useRedis(): Promise<RedisServer> {
  redisServer ??= await startRedis();
  return redisServer;
}

type Row = () => Promise<void>;

/** A tool call in a 2025 session with extra request headers (a bearer token); the tool's text. */
async function toolTextWith(url: string, sid: string, name: string, args: Record<string, unknown>, headers: Record<string, string>): Promise<string> {
  const res = await post(url, { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name, arguments: args } }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', ...headers });
  return textOf((await messagesOf(res)).find((m) => m.id === 8)!.result);
}

const ROWS: Record<string, Row> = {
  async host() {
    const p = await start({ MCP_PROXY_HOST: '127.0.0.2' });
    expect(p.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+\/mcp$/);
    await openSession(p.url);
  },
  async port() {
    const port = await freePort();
    const p = await start({ MCP_PROXY_PORT: String(port) }, fixture(), []);
    expect(p.url).toBe(`http://127.0.0.1:${port}/mcp`);
  },
  async endpoint() {
    const p = await start({ MCP_PROXY_ENDPOINT: '/custom' });
    expect(p.url).toMatch(/\/custom$/);
    await openSession(p.url);
  },
  async allowOrigin() {
    const p = await start({ MCP_PROXY_ALLOW_ORIGIN: 'https://app.example' });
    expect((await post(p.url, INIT, { origin: 'https://app.example' })).status).toBe(200);
    expect((await post(p.url, INIT, { origin: 'https://evil.example' })).status).toBe(403);
    expect(await waitFor(() => p.stderr().includes('start the proxy with --allow-origin'), 5_000)).toBe(true);
  },
  async allowHost() {
    const p = await start({ MCP_PROXY_ALLOW_HOST: 'dev.local' });
    const port = new URL(p.url).port;
    expect((await rawPost(p.url, JSON.stringify(INIT), { host: `dev.local:${port}` })).status).toBe(200);
    expect((await rawPost(p.url, JSON.stringify(INIT), { host: `other.local:${port}` })).status).toBe(403);
  },
  async maxBody() {
    const p = await start({ MCP_PROXY_MAX_BODY: '1kb' });
    const big = { ...INIT, params: { ...INIT.params, clientInfo: { name: 'x'.repeat(2048), version: '1' } } };
    expect((await post(p.url, big)).status).toBe(413);
  },
  async maxSessions() {
    const p = await start({ MCP_PROXY_MAX_SESSIONS: '1' });
    await openSession(p.url);
    const second = await post(p.url, INIT);
    expect(second.status).toBe(503);
    expect(await second.text()).toContain('Too many sessions');
  },
  async prewarm() {
    const p = await start({ MCP_PROXY_PREWARM: '1' });
    const health = async (): Promise<{ prewarmed?: number }> => (await fetch(p.url.replace(/\/mcp$/, '/healthz'), { signal: AbortSignal.timeout(5_000) })).json() as Promise<{ prewarmed?: number }>;
    expect(await waitFor(async () => (await health()).prewarmed === 1, 10_000)).toBe(true);
  },
  async sessionTimeout() {
    const p = await start({ MCP_PROXY_SESSION_TIMEOUT: '1' });
    const sid = await openSession(p.url);
    // Asking would keep it alive: watch the log, then ask once.
    expect(await waitFor(() => p.stderr().includes('idle session reaped'), 15_000, 100)).toBe(true);
    expect((await post(p.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' })).status).toBe(404);
  },
  async requestTimeout() {
    const p = await start({ MCP_PROXY_REQUEST_TIMEOUT: '1' });
    const sid = await openSession(p.url);
    const answer = await call(p.url, sid, 3, 'hang');
    expect((answer.error as { message: string }).message).toMatch(/timed out|timeout/i);
  },
  async killGrace() {
    const p = await start({ MCP_PROXY_KILL_GRACE: '0.5' }, fixture('--ignore-sigterm', '--linger'));
    const sid = await openSession(p.url);
    const pid = Number(await toolText(p.url, sid, 'pid'));
    const del = await fetch(p.url, { method: 'DELETE', headers: { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' }, signal: AbortSignal.timeout(10_000) });
    expect(del.status).toBeLessThan(300);
    // The default grace is 5 s; with 0.5 s the SIGKILL comes well before that.
    expect(await waitFor(() => !alive(pid), 3_500, 50)).toBe(true);
  },
  async drainTimeout() {
    const p = await start({ MCP_PROXY_DRAIN_TIMEOUT: '0' });
    await openSession(p.url);
    p.proc.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stderr()).not.toContain('"msg":"draining');
    const q = await start({ MCP_PROXY_DRAIN_TIMEOUT: '1' });
    await openSession(q.url);
    q.proc.kill('SIGTERM');
    expect(await q.exited).toBe(0);
    expect(q.stderr()).toContain('drain timeout reached');
  },
  async startCheck() {
    const failing = ['--', 'sh', '-c', 'exit 3'];
    const checked = await runBinary(['--port', '0', ...failing], { env: cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json', MCP_PROXY_START_CHECK: '30' }), timeoutMs: 60_000 });
    expect(checked.code).toBe(1);
    const p = await start({ MCP_PROXY_START_CHECK: '0' }, failing);
    expect(p.stderr()).toContain('"msg":"listening"');
  },
  async env() {
    const p = await start({ MCP_PROXY_ENV: 'ALPHA=1\nBETA=two=2' });
    const sid = await openSession(p.url);
    expect(await toolText(p.url, sid, 'env', { name: 'ALPHA' })).toBe('1');
    expect(await toolText(p.url, sid, 'env', { name: 'BETA' })).toBe('two=2');
  },
  async passEnv() {
    const off = await start({ MCP_PROXY_PASS_ENV: 'false', SECRET_OF_THE_HOST: 'x' });
    const sid = await openSession(off.url);
    expect(await toolText(off.url, sid, 'env', { name: 'SECRET_OF_THE_HOST' })).toBe('(unset)');
    const on = await start({ MCP_PROXY_PASS_ENV: 'Yes', SECRET_OF_THE_HOST: 'x' });
    expect(await toolText(on.url, await openSession(on.url), 'env', { name: 'SECRET_OF_THE_HOST' })).toBe('x');
  },
  async npxResolve() {
    const pkg = localNpxPackage();
    const off = await start({ MCP_PROXY_NPX_RESOLVE: 'no' }, ['--', 'npx', '-y', pkg]);
    expect(off.stderr()).not.toContain('npx command resolved once');
    await openSession(off.url);
    const on = await start({}, ['--', 'npx', '-y', pkg]);
    expect(on.stderr()).toContain('npx command resolved once');
  },
  async cwd() {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'mcp-proxy-cwd-')));
    const p = await start({ MCP_PROXY_CWD: dir });
    expect(await toolText(p.url, await openSession(p.url), 'cwd')).toBe(dir);
  },
  async shell() {
    const line = [`${JSON.stringify(NODE)} ${JSON.stringify(FIXTURE)}`];
    const p = await start({ MCP_PROXY_SHELL: 'ON' }, ['--', ...line]);
    await openSession(p.url);
    const off = await runBinary(['--port', '0', '--', ...line], { env: cleanEnv({ MCP_PROXY_SHELL: 'off', MCP_PROXY_LOG_FORMAT: 'json' }) });
    expect(off.code).toBe(1);
    expect(off.stderr).toContain('--shell');
  },
  async authToken() {
    const p = await start({ MCP_PROXY_AUTH_TOKEN: 's3cret' });
    expect((await post(p.url, INIT)).status).toBe(401);
    await openSession(p.url, { authorization: 'Bearer s3cret' });
  },
  async oauthIssuer() {
    await oauthRow();
  },
  async oauthAudience() {
    await oauthRow();
  },
  async oauthJwksUri() {
    await oauthRow();
  },
  async oauthScope() {
    await oauthRow();
  },
  async childEra() {
    const p = await start({ MCP_PROXY_CHILD_ERA: 'legacy' });
    await openSession(p.url);
    expect(p.stderr()).not.toContain('child protocol era detected');
    const auto = await start({});
    expect(await waitFor(() => auto.stderr().includes('child protocol era detected'), 10_000)).toBe(true);
  },
  async redisUrl() {
    const redis = await useRedis();
    const p = await start({ MCP_PROXY_REDIS_URL: redis.url });
    const sid = await openSession(p.url);
    expect(await redisGet(redis.url, `mcp-proxy:s:${sid}`)).toBe(p.url);
    const health = (await (await fetch(p.url.replace(/\/mcp$/, '/healthz'), { signal: AbortSignal.timeout(5_000) })).json()) as { redis?: string };
    expect(health.redis).toBe('ok');
    const bad = await runBinary(['--port', '0', ...fixture()], { env: cleanEnv({ MCP_PROXY_REDIS_URL: 'http://127.0.0.1:1' }) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('redis:// or rediss://');
  },
  async advertiseUrl() {
    const redis = await useRedis();
    const p = await start({ MCP_PROXY_REDIS_URL: redis.url, MCP_PROXY_ADVERTISE_URL: 'http://localhost:9/mcp' });
    const sid = await openSession(p.url);
    expect(await redisGet(redis.url, `mcp-proxy:s:${sid}`)).toBe('http://localhost:9/mcp');
  },
  async clusterSecret() {
    const redis = await startRedis(); // its own: the other rows' instances generated a secret in theirs
    onTeardown.push(() => redis.stop());
    const p = await start({ MCP_PROXY_REDIS_URL: redis.url, MCP_PROXY_CLUSTER_SECRET: 'shared-by-the-operator' });
    const hop = (secret: string): Promise<Response> => post(p.url, INIT, { 'x-mcp-proxy-cluster-secret': secret });
    expect((await hop('another-one')).status).toBe(403);
    expect((await hop('shared-by-the-operator')).status).toBe(200);
    expect(await redisGet(redis.url, 'mcp-proxy:cluster-secret')).toBeNull(); // a configured secret is not kept in Redis
  },
  async metrics() {
    const p = await start({ MCP_PROXY_METRICS: 'true' });
    const res = await fetch(p.url.replace(/\/mcp$/, '/metrics'), { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('mcp_proxy_sessions ');
  },
  async logLevel() {
    const p = await start({ MCP_PROXY_LOG_LEVEL: 'debug' });
    await openSession(p.url);
    expect(await waitFor(() => /"level":"debug","msg":"request".*"rpc":"initialize"/.test(p.stderr()), 5_000)).toBe(true);
  },
  async logFormat() {
    const p = await start({ MCP_PROXY_LOG_FORMAT: 'text' });
    expect(p.stderr()).toMatch(/^info\s+listening\s+url=/m);
  },
  async demo() {
    const p = await start({ MCP_PROXY_DEMO: 'true' }, []);
    const sid = await openSession(p.url);
    const res = await post(p.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    const tools = ((await messagesOf(res))[0]!.result as { tools: Array<{ name: string }> }).tools.map((t) => t.name);
    expect(tools).toContain('echo');
    const off = await runBinary(['--port', '0'], { env: cleanEnv({ MCP_PROXY_DEMO: 'false' }) });
    expect(off.code).toBe(2);
    expect(off.stderr).toContain('no server command given');
  },
  async config() {
    const file = join(realpathSync(mkdtempSync(join(tmpdir(), 'mcp-proxy-config-'))), 'servers.json');
    writeFileSync(file, JSON.stringify({ mcpServers: { alpha: { command: NODE, args: [FIXTURE, '--name', 'alpha'] } } }));
    const p = await start({ MCP_PROXY_CONFIG: file }, []);
    expect(p.url).toMatch(/\/servers$/);
    await openSession(`${p.url}/alpha/mcp`);
    expect((await post(`${p.url}/other/mcp`, INIT)).status).toBe(404);
    const both = await runBinary(['--port', '0', ...fixture()], { env: cleanEnv({ MCP_PROXY_CONFIG: file }) });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give no server command');
  },
  async headerToEnv() {
    const p = await start({ MCP_PROXY_HEADER_TO_ENV: 'X-Tenant=TENANT!,X-Region=REGION' });
    const refused = await post(p.url, INIT);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('the x-tenant header is required');
    const sid = await openSession(p.url, { 'x-tenant': 'acme', 'x-region': 'eu' });
    expect(await toolText(p.url, sid, 'env', { name: 'TENANT' })).toBe('acme');
    expect(await toolText(p.url, sid, 'env', { name: 'REGION' })).toBe('eu');
    const spoof = await runBinary(['--port', '0', ...fixture()], { env: cleanEnv({ MCP_PROXY_HEADER_TO_ENV: 'X-Sub=MCP_PROXY_SUB' }) });
    expect(spoof.code).toBe(2);
    expect(spoof.stderr).toContain('MCP_PROXY_SUB is refused');
  },
  async forwardClaims() {
    const p = await start({ MCP_PROXY_AUTH_TOKEN: 's3cret', MCP_PROXY_FORWARD_CLAIMS: 'true' });
    const auth = { authorization: 'Bearer s3cret' };
    const sid = await openSession(p.url, auth);
    expect(await toolTextWith(p.url, sid, 'env', { name: 'MCP_PROXY_SUB' }, auth)).toMatch(/^[0-9a-f]{16}$/);
    expect(await toolTextWith(p.url, sid, 'env', { name: 'MCP_PROXY_TOKEN' }, auth)).toBe('(unset)');
    const alone = await runBinary(['--port', '0', ...fixture()], { env: cleanEnv({ MCP_PROXY_FORWARD_CLAIMS: '1' }) });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('need --auth-token or --oauth-issuer');
  },
  async forwardToken() {
    const p = await start({ MCP_PROXY_AUTH_TOKEN: 's3cret', MCP_PROXY_FORWARD_TOKEN: 'yes' });
    const auth = { authorization: 'Bearer s3cret' };
    const sid = await openSession(p.url, auth);
    expect(await toolTextWith(p.url, sid, 'env', { name: 'MCP_PROXY_TOKEN' }, auth)).toBe('s3cret');
    expect(p.stderr()).not.toContain('s3cret');
  },
  async allowTools() {
    const p = await start({ MCP_PROXY_ALLOW_TOOLS: 'echo,p?d' });
    const sid = await openSession(p.url);
    const res = await post(p.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    expect(((await messagesOf(res))[0]!.result as { tools: Array<{ name: string }> }).tools.map((t) => t.name)).toEqual(['echo', 'pid']);
  },
  async denyTools() {
    const p = await start({ MCP_PROXY_DENY_TOOLS: 'crash' });
    const sid = await openSession(p.url);
    expect((await call(p.url, sid, 4, 'crash')).error).toEqual({ code: -32602, message: 'Unknown tool: crash' });
    expect(await toolText(p.url, sid, 'echo', { message: 'still here' })).toBe('echo: still here');
  },
  async isolation() {
    const pids = async (p: ProxyBinary): Promise<[string, string]> => {
      const [a, b] = [await openSession(p.url), await openSession(p.url)];
      return [await toolText(p.url, a, 'pid'), await toolText(p.url, b, 'pid')];
    };
    const [a, b] = await pids(await start({ MCP_PROXY_ISOLATION: 'principal' }));
    expect(a).toBe(b);
    const [c, d] = await pids(await start({}));
    expect(c).not.toBe(d);
    const bad = await runBinary(['--port', '0', ...fixture()], { env: cleanEnv({ MCP_PROXY_ISOLATION: 'shared' }) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('MCP_PROXY_ISOLATION');
  },
  async sse() {
    const off = await start({ MCP_PROXY_SSE: 'false' });
    expect((await openLegacySse(originOf(off.url) + '/sse')).status).toBe(404);
    const on = await start({});
    const { stream } = await legacySession(originOf(on.url));
    stream.close();
  },
  async sseEndpoint() {
    const p = await start({ MCP_PROXY_SSE_ENDPOINT: '/legacy-sse' });
    expect((await openLegacySse(originOf(p.url) + '/sse')).status).toBe(404);
    const { stream } = await legacySession(originOf(p.url), {}, '/legacy-sse');
    stream.close();
  },
  async messagesEndpoint() {
    const p = await start({ MCP_PROXY_MESSAGES_ENDPOINT: '/legacy-messages' });
    const { stream } = await legacySession(originOf(p.url));
    expect(stream.endpoint).toMatch(/^\/legacy-messages\?sessionId=/);
    stream.close();
  },
  async eventStore() {
    const ids = async (p: ProxyBinary): Promise<string[]> => (await resumable(p, 'echo', { message: 'x' })).ids;
    expect(await ids(await start({ MCP_PROXY_EVENT_STORE: 'false' }))).toEqual([]);
    expect(await ids(await start({}))).toHaveLength(2); // the priming event and the answer
  },
  async eventStoreSize() {
    // priming, four progress events, the answer: a store of 2 keeps the last progress and the answer.
    const small = await start({ MCP_PROXY_EVENT_STORE_SIZE: '2' });
    const run = await resumable(small, 'progress', { steps: 4 });
    expect(run.ids).toHaveLength(6);
    const gone = await resume(small, run, run.ids[0]!);
    expect(gone.status).toBe(400);
    expect(gone.text).toContain('Events gone');
    const kept = await resume(small, run, run.ids[3]!);
    expect(kept.status).toBe(200);
    expect(kept.text).toContain('done 4');
    const large = await start({});
    const all = await resumable(large, 'progress', { steps: 4 });
    expect((await resume(large, all, all.ids[0]!)).status).toBe(200);
  },
  async eventStoreBytes() {
    const small = await start({ MCP_PROXY_EVENT_STORE_BYTES: '1kb' });
    const run = await resumable(small, 'big', { bytes: 4_000 });
    expect((await resume(small, run, run.ids[0]!)).status).toBe(400);
    const large = await start({});
    const all = await resumable(large, 'big', { bytes: 4_000 });
    const replay = await resume(large, all, all.ids[0]!);
    expect(replay.status).toBe(200);
    expect(replay.text).toContain('x'.repeat(4_000));
  },
  async keepAlive() {
    const p = await start({ MCP_PROXY_KEEP_ALIVE: '1' });
    // On a legacy SSE stream and on a 2025 POST stream (the direct path) of a call that never ends.
    const { stream } = await legacySession(originOf(p.url));
    expect(await waitFor(() => stream.text().includes(': keepalive\n\n'), 6_000)).toBe(true);
    stream.close();
    const sid = await openSession(p.url);
    const abort = new AbortController();
    const res = await fetch(p.url, {
      method: 'POST', signal: abort.signal,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'hang', arguments: {} } }),
    });
    const reader = res.body!.getReader();
    let text = '';
    const deadline = Date.now() + 6_000;
    while (!text.includes(': keepalive') && Date.now() < deadline) {
      const chunk = await Promise.race([reader.read(), new Promise<undefined>((r) => setTimeout(r, deadline - Date.now()))]);
      if (!chunk || chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    abort.abort();
    expect(text).toContain(': keepalive\n\n');
  },
};

const originOf = (url: string): string => new URL(url).origin;

interface ResumableRun {
  sid: string;
  ids: string[];
}

/** One tool call on a 2025-11-25 POST stream (the direct path), read to its end: the event ids it carried. */
async function resumable(p: ProxyBinary, name: string, args: Record<string, unknown>): Promise<ResumableRun> {
  const sid = await openSession(p.url);
  const res = await post(p.url, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name, arguments: args, _meta: { progressToken: 'row' } } }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
  const text = await res.text();
  return { sid, ids: [...text.matchAll(/^id: (.+)$/gm)].map((m) => m[1]!) };
}

/** A GET with Last-Event-ID resuming that stream. */
async function resume(p: ProxyBinary, run: ResumableRun, lastEventId: string): Promise<{ status: number; text: string }> {
  const res = await fetch(p.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': run.sid, 'mcp-protocol-version': '2025-11-25', 'last-event-id': lastEventId }, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

/** The four OAuth variables together: a token signed by the JWKS at MCP_PROXY_OAUTH_JWKS_URI, for the audience and scope. */
let oauthChecked = false;
async function oauthRow(): Promise<void> {
  if (oauthChecked) return;
  const issuer = await startJwksIssuer();
  try {
    const port = await freePort();
    const audience = `http://127.0.0.1:${port}/mcp`;
    const p = await start({
      MCP_PROXY_PORT: String(port), MCP_PROXY_OAUTH_ISSUER: issuer.issuer, MCP_PROXY_OAUTH_AUDIENCE: audience,
      MCP_PROXY_OAUTH_JWKS_URI: issuer.jwksUri, MCP_PROXY_OAUTH_SCOPE: 'mcp:read',
    }, fixture(), []);
    expect((await post(p.url, INIT)).status).toBe(401);
    const prm = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`, { signal: AbortSignal.timeout(10_000) });
    const doc = (await prm.json()) as { resource: string; authorization_servers: string[]; scopes_supported?: string[] };
    expect(doc.resource).toBe(audience);
    expect(doc.authorization_servers).toEqual([issuer.issuer]);
    expect(doc.scopes_supported).toEqual(['mcp:read']);
    const withoutScope = await issuer.token({ aud: audience, scope: 'other' });
    expect((await post(p.url, INIT, { authorization: `Bearer ${withoutScope}` })).status).toBe(403);
    const good = await issuer.token({ aud: audience, scope: 'mcp:read' });
    await openSession(p.url, { authorization: `Bearer ${good}` });
    const wrongAudience = await issuer.token({ aud: 'http://127.0.0.1:1/other', scope: 'mcp:read' });
    expect((await post(p.url, INIT, { authorization: `Bearer ${wrongAudience}` })).status).toBe(401);
    oauthChecked = true;
  } finally {
    await issuer.close();
  }
}

describe('mcp-proxy: every option through its environment variable, on the binary', () => {
  it('every option in the table has an MCP_PROXY_* variable and a row here', () => {
    for (const s of PROXY_OPTIONS) expect(s.env).toMatch(/^MCP_PROXY_[A-Z_]+$/);
    expect(Object.keys(ROWS).sort()).toEqual(PROXY_OPTIONS.map((s) => s.key).sort());
  });

  for (const s of PROXY_OPTIONS) {
    it(`${s.env} has the effect of ${/--[a-z-]+/.exec(s.flags)![0]}`, async () => {
      await ROWS[s.key]!();
    }, 40_000);
  }
});
