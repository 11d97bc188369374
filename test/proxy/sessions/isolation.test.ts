import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthGuard } from '../../../src/proxy/auth/auth-guard.js';
import { toEdgeAuthenticator } from '../../../src/proxy/auth/edge-authenticator.js';
import type { Isolation } from '../../../src/proxy/proxy-options.js';
import { SHARED_CLIENT_CAPABILITIES } from '../../../src/proxy/sessions/shared-child.js';
import { alive, startTestProxy, textOf, waitFor } from '../../helpers/proxy-harness.js';
import { messagesOf, openSession, post } from '../../helpers/raw-http.js';
import { connectEra, EVERYTHING, MODERN_FIXTURE, startModernProxy } from '../../helpers/modern-harness.js';

/**
 * The same scenarios with `--isolation session` (a child per session) and `--isolation principal`
 * (the sessions of one principal share one child through the mux): real fixture children, real HTTP
 * on port 0, the SDK client over Streamable HTTP (and raw HTTP where the wire ids matter).
 */

type Proxy = Awaited<ReturnType<typeof startTestProxy>>;
let proxy: Proxy | undefined;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await proxy?.close();
  proxy = undefined;
});

async function connect(capabilities: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'isolation-test', version: '1' }, { capabilities });
  const transport = new StreamableHTTPClientTransport(new URL(proxy!.url), { requestInit: { headers } });
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

/** Two sessions that declared sampling, each answering with its label (A, B), which `seen` records in order. */
async function twoSamplingSessions(): Promise<{ seen: string[]; a: Awaited<ReturnType<typeof connect>>; b: Awaited<ReturnType<typeof connect>> }> {
  const seen: string[] = [];
  const a = await connect({ sampling: {} });
  const b = await connect({ sampling: {} });
  sampler(a.client, seen, 'A');
  sampler(b.client, seen, 'B');
  return { seen, a, b };
}

const pidOf = async (client: Client): Promise<number> => Number(textOf(await client.callTool({ name: 'pid', arguments: {} })));
const sampler = (client: Client, seen: string[], label: string): void => {
  client.setRequestHandler('sampling/createMessage', async (request) => {
    seen.push(label);
    return { model: 'm', role: 'assistant', content: { type: 'text', text: `${label} answers ${(request.params.messages[0]?.content as { text: string }).text}` } };
  });
};
const H = (sid: string): Record<string, string> => ({ 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });

for (const isolation of ['session', 'principal'] as const satisfies readonly Isolation[]) {
  const shared = isolation === 'principal';
  describe(`--isolation ${isolation}`, () => {
    it('sampling reaches the session whose request asked for it, only if it declared sampling', async () => {
      proxy = await startTestProxy({ isolation });
      const { seen, a, b } = await twoSamplingSessions();
      expect(textOf(await b.client.callTool({ name: 'sample', arguments: { prompt: 'q1' } }))).toBe('sampled: B answers q1');
      expect(textOf(await a.client.callTool({ name: 'sample', arguments: { prompt: 'q2' } }))).toBe('sampled: A answers q2');
      expect(seen).toEqual(['B', 'A']);
      if (!shared) return; // alone on its child, a session gets what its child asks (a transparent relay)
      // C (raw HTTP) declared no sampling: on the shared child its request never reaches C (nor anyone else).
      const c = await openSession(proxy.url);
      const messages = await messagesOf(await post(proxy.url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'sample', arguments: { prompt: 'q3' } } }, H(c)));
      expect(messages.map((m) => m.method ?? 'answer')).toEqual(['answer']);
      expect(textOf(messages[0]!.result)).toMatch(/^sampled: .*"code":-32601.*did not declare the sampling capability/);
      expect(seen).toEqual(['B', 'A']);
    });

    it('a server→client request goes to the newest request in flight, across the sessions sharing a child', async () => {
      proxy = await startTestProxy({ isolation });
      const { seen, a, b } = await twoSamplingSessions();
      const hang = new AbortController();
      const hanging = a.client.callTool({ name: 'hang', arguments: {} }, { signal: hang.signal }).catch((e: unknown) => e);
      // A's request is in flight (tracked and forwarded in one step) before B's is sent.
      expect(await waitFor(() => proxy!.sessions.get(a.transport.sessionId!, undefined)?.busy === true, 10_000)).toBe(true);
      expect(textOf(await b.client.callTool({ name: 'sample', arguments: { prompt: 'newest' } }))).toBe('sampled: B answers newest');
      expect(seen).toEqual(['B']);
      hang.abort();
      await hanging;
      // The cancellation reached the child under the id the child saw: remapped when shared.
      const cancelled = new RegExp(`cancelled request ${shared ? 'shared-\\d+' : '\\d+'}`);
      expect(await waitFor(() => proxy!.lines.some((l) => cancelled.test(l)), 5_000)).toBe(true);
    });

    it('elicitation, sampling and roots asked in one write all reach the session that asked, answered once each', async () => {
      proxy = await startTestProxy({ isolation });
      const asker = await connect({ sampling: {}, elicitation: {}, roots: {} });
      const other = await connect({ sampling: {}, elicitation: {}, roots: {} });
      const seen: string[] = [];
      for (const [label, c] of [['asker', asker.client], ['other', other.client]] as const) {
        c.setRequestHandler('elicitation/create', async () => (seen.push(`${label} elicit`), { action: 'accept', content: { name: label } }));
        c.setRequestHandler('sampling/createMessage', async () => (seen.push(`${label} sample`), { model: 'm', role: 'assistant', content: { type: 'text', text: label } }));
        c.setRequestHandler('roots/list', async () => (seen.push(`${label} roots`), { roots: [{ uri: `file:///${label}`, name: label }] }));
      }
      const text = textOf(await asker.client.callTool({ name: 'ask_all', arguments: {} }));
      expect(text).toBe('all: [{"action":"accept","content":{"name":"asker"}},"asker",[{"uri":"file:///asker","name":"asker"}]]');
      expect(seen.sort()).toEqual(['asker elicit', 'asker roots', 'asker sample']);
    });

    it('progress of two sessions with colliding ids and tokens in flight at once reaches each its own', async () => {
      proxy = await startTestProxy({ isolation });
      const [s1, s2] = await Promise.all([openSession(proxy.url), openSession(proxy.url)]);
      const body = (steps: number) => ({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'progress', arguments: { steps, delayMs: 60 }, _meta: { progressToken: 'tok' } } });
      const [r1, r2] = await Promise.all([post(proxy.url, body(2), H(s1)), post(proxy.url, body(5), H(s2))]);
      const [m1, m2] = await Promise.all([messagesOf(r1), messagesOf(r2)]);
      const progress = (ms: Array<Record<string, unknown>>) => ms.filter((m) => m.method === 'notifications/progress').map((m) => m.params as { progressToken: unknown; progress: number });
      expect(progress(m1).map((p) => p.progress)).toEqual([1, 2]);
      expect(progress(m2).map((p) => p.progress)).toEqual([1, 2, 3, 4, 5]);
      expect([...progress(m1), ...progress(m2)].every((p) => p.progressToken === 'tok')).toBe(true);
      expect(m1.find((m) => m.id === 7)?.result).toEqual({ content: [{ type: 'text', text: 'done 2' }] });
      expect(m2.find((m) => m.id === 7)?.result).toEqual({ content: [{ type: 'text', text: 'done 5' }] });
    });

    it('resources/updated goes to the sessions subscribed to that URI; list_changed to every session of the child', async () => {
      proxy = await startTestProxy({ isolation });
      const a = await connect();
      const b = await connect();
      const got = { A: [] as string[], B: [] as string[] };
      for (const [label, c] of [['A', a.client], ['B', b.client]] as const) {
        c.setNotificationHandler('notifications/resources/updated', (n) => void got[label].push(`updated ${n.params.uri}`));
        c.setNotificationHandler('notifications/tools/list_changed', () => void got[label].push('tools changed'));
      }
      const URI = 'test://r/1';
      await a.client.subscribeResource({ uri: URI });
      await b.client.subscribeResource({ uri: URI });
      const subs = async (c: Client) => JSON.parse(textOf(await c.callTool({ name: 'subscriptions', arguments: {} }))) as { uris: string[]; calls: number };
      // Shared: the child was asked once.
      expect((await subs(a.client)).calls).toBe(1);
      await new Promise((r) => setTimeout(r, 100)); // the fixture's own update 20 ms after a subscribe
      got.A.length = 0;
      got.B.length = 0;
      await a.client.callTool({ name: 'touch', arguments: { uri: URI } });
      expect(await waitFor(() => got.A.includes(`updated ${URI}`), 5_000)).toBe(true);
      if (shared) expect(await waitFor(() => got.B.includes(`updated ${URI}`) && got.B.includes('tools changed'), 5_000)).toBe(true);
      // A lets go: B still holds the URI, so the shared child keeps its subscription.
      await a.client.unsubscribeResource({ uri: URI });
      expect((await subs(b.client)).uris).toEqual([URI]);
      got.A.length = 0;
      got.B.length = 0;
      await b.client.callTool({ name: 'touch', arguments: { uri: URI } });
      expect(await waitFor(() => got.B.includes(`updated ${URI}`) && got.B.includes('tools changed'), 5_000)).toBe(true);
      if (shared) expect(await waitFor(() => got.A.includes('tools changed'), 5_000)).toBe(true);
      else await new Promise((r) => setTimeout(r, 300));
      expect(got.A).not.toContain(`updated ${URI}`);
      // The last holder leaves by ending its session: the child is told to unsubscribe.
      await b.transport.terminateSession();
      expect((await subs(a.client)).uris).toEqual([]);
    });

    it('a log message reaches the sessions whose logging/setLevel it passes (every session of a shared child)', async () => {
      proxy = await startTestProxy({ isolation });
      const quiet = await connect();
      const talker = await connect();
      const listener = await connect();
      const logs = { quiet: [] as string[], talker: [] as string[], listener: [] as string[] };
      for (const [label, c] of [['quiet', quiet.client], ['talker', talker.client], ['listener', listener.client]] as const) {
        c.setNotificationHandler('notifications/message', (n) => void logs[label].push(String(n.params.data)));
      }
      await quiet.client.setLoggingLevel('error');
      await talker.client.setLoggingLevel('debug');
      await talker.client.callTool({ name: 'log', arguments: { message: 'an info line' } });
      expect(await waitFor(() => logs.talker.includes('an info line'), 5_000)).toBe(true);
      if (shared) expect(await waitFor(() => logs.listener.includes('an info line'), 5_000)).toBe(true);
      // The quiet session asked for errors only; the listener's stream is ordered, so a wrong delivery would be here by now.
      await listener.client.callTool({ name: 'log', arguments: { message: 'a second line' } });
      expect(await waitFor(() => logs.listener.includes('a second line'), 5_000)).toBe(true);
      expect(logs.quiet).toEqual([]);
    });

    it('one session\'s DELETE leaves the other working, with a call in flight', async () => {
      proxy = await startTestProxy({ isolation });
      const a = await connect();
      const b = await connect();
      const pidA = await pidOf(a.client);
      const pidB = await pidOf(b.client);
      expect(pidA === pidB).toBe(shared);
      const seen: number[] = [];
      const slow = b.client.callTool({ name: 'progress', arguments: { steps: 5, delayMs: 100 } }, { onprogress: (p) => seen.push(p.progress) });
      expect(await waitFor(() => seen.length > 0, 10_000)).toBe(true);
      await a.transport.terminateSession();
      expect(textOf(await slow)).toBe('done 5');
      expect(seen).toEqual([1, 2, 3, 4, 5]);
      expect(textOf(await b.client.callTool({ name: 'echo', arguments: { message: 'still here' } }))).toBe('echo: still here');
      expect(await pidOf(b.client)).toBe(pidB);
      if (!shared) expect(await waitFor(() => !alive(pidA), 10_000)).toBe(true);
      expect(alive(pidB)).toBe(true);
      expect(proxy.sessions.size).toBe(1);
    });
  });
}

describe('--isolation principal only', () => {
  it('a modern-only child is adapted once and shared: sampling and progress still reach the right session', async () => {
    proxy = await startTestProxy({ isolation: 'principal', child: { command: process.execPath, args: [MODERN_FIXTURE, '--legacy', 'reject'], env: {}, passEnv: true, baseEnv: process.env, shell: false } });
    const { seen, a, b } = await twoSamplingSessions();
    expect(a.client.getServerVersion()?.name).toBe('modern-fixture');
    expect(await pidOf(a.client)).toBe(await pidOf(b.client));
    expect(proxy.lines.filter((l) => l.includes('goes through the era adapter'))).toHaveLength(1);
    const progress: number[] = [];
    // A's call is in flight first (its first progress came), so B's sample is the newest request: B is asked.
    const counting = a.client.callTool({ name: 'progress', arguments: { steps: 3, delayMs: 300 } }, { onprogress: (p) => progress.push(p.progress) });
    expect(await waitFor(() => progress.length > 0, 10_000)).toBe(true);
    const sampled = await b.client.callTool({ name: 'sample', arguments: { prompt: 'modern' } });
    expect(textOf(sampled)).toBe('sampled: B answers modern');
    expect(textOf(await counting)).toBe('done 3');
    expect(progress).toEqual([1, 2, 3]);
    expect(seen).toEqual(['B']);
  });

  it('only the session asked can answer a server→client request: another session\'s forged answer is dropped', async () => {
    proxy = await startTestProxy({ isolation: 'principal' });
    const init = (capabilities: Record<string, unknown>) => ({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 'raw', version: '1' } } });
    const open = async (capabilities: Record<string, unknown>): Promise<string> => {
      const res = await post(proxy!.url, init(capabilities));
      const sid = res.headers.get('mcp-session-id')!;
      await res.text();
      await (await post(proxy!.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, H(sid))).text();
      return sid;
    };
    const asker = await open({ sampling: {} });
    const forger = await open({ sampling: {} });
    const res = await post(proxy.url, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'sample', arguments: { prompt: 'p' } } }, H(asker));
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const next = async (match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
      for (;;) {
        for (const line of buffer.split('\n')) {
          if (!line.startsWith('data: ') || line.length <= 6) continue;
          const m = JSON.parse(line.slice(6)) as Record<string, unknown>;
          if (match(m)) return m;
        }
        const chunk = await reader.read();
        if (chunk.done) throw new Error('stream ended');
        buffer += chunk.value;
      }
    };
    const question = await next((m) => m.method === 'sampling/createMessage');
    const answer = (text: string) => ({ jsonrpc: '2.0', id: question.id, result: { model: 'm', role: 'assistant', content: { type: 'text', text } } });
    expect((await post(proxy.url, answer('forged'), H(forger))).status).toBe(202);
    expect((await post(proxy.url, answer('genuine'), H(asker))).status).toBe(202);
    const result = await next((m) => m.id === 5);
    await reader.cancel();
    expect(textOf(result.result)).toBe('sampled: genuine');
  });

  it('a principal\'s 2025 sessions and its 2026-07-28 requests do not share a child', async () => {
    const both = await startModernProxy('legacy', { isolation: 'principal' });
    proxy = both;
    const a = await connect();
    const b = await connect();
    const modern = await connectEra(both.url, 'pinned');
    clients.push(modern);
    const sessionPid = await pidOf(a.client);
    expect(await pidOf(b.client)).toBe(sessionPid);
    const modernPid = await pidOf(modern);
    expect(modernPid).not.toBe(sessionPid);
    expect(await pidOf(modern)).toBe(modernPid);
  });

  it('wraps @modelcontextprotocol/server-everything: two sessions on one child', async () => {
    proxy = await startTestProxy({ isolation: 'principal', child: { command: process.execPath, args: [EVERYTHING, 'stdio'], env: {}, passEnv: true, baseEnv: process.env, shell: false } });
    const a = await connect({ sampling: {}, roots: {} });
    const b = await connect({});
    for (const c of [a.client, b.client]) {
      expect(c.getServerVersion()?.name).toMatch(/everything/i);
      expect((await c.listTools()).tools.map((t) => t.name)).toContain('echo');
    }
    const [ea, eb] = await Promise.all([
      a.client.callTool({ name: 'echo', arguments: { message: 'from a' } }),
      b.client.callTool({ name: 'echo', arguments: { message: 'from b' } }),
    ]);
    expect(textOf(ea)).toContain('from a');
    expect(textOf(eb)).toContain('from b');
    expect(proxy.lines.filter((l) => l.includes('shared child started'))).toHaveLength(1);
    await a.transport.terminateSession();
    expect((await b.client.listResources()).resources.length).toBeGreaterThan(0);
  });

  it('sessions of one principal share a child initialised once with every routable capability; it ends after the last DELETE', async () => {
    proxy = await startTestProxy({ isolation: 'principal' });
    const a = await connect({ sampling: {} });
    const b = await connect({ elicitation: {} });
    const pid = await pidOf(a.client);
    expect(await pidOf(b.client)).toBe(pid);
    const caps = JSON.parse(textOf(await b.client.callTool({ name: 'client_caps', arguments: {} }))) as { capabilities: unknown; initializeCalls: number };
    expect(caps).toEqual({ capabilities: SHARED_CLIENT_CAPABILITIES, initializeCalls: 1, beforeInitialize: [] });
    expect(b.client.getServerVersion()?.name).toBe('legacy-fixture');
    await a.transport.terminateSession();
    expect(alive(pid)).toBe(true);
    await b.transport.terminateSession();
    expect(await waitFor(() => !alive(pid), 10_000)).toBe(true);
    // A new session of the same principal gets a new child.
    const c = await connect();
    expect(await pidOf(c.client)).not.toBe(pid);
  });

  it('two principals (two static tokens) get two children; a third session of one of them joins its child', async () => {
    proxy = await startTestProxy({ isolation: 'principal', auth: toEdgeAuthenticator(createAuthGuard({ mode: 'bearer', tokens: ['token-one', 'token-two'] })) });
    const one = await connect({}, { authorization: 'Bearer token-one' });
    const two = await connect({}, { authorization: 'Bearer token-two' });
    const again = await connect({}, { authorization: 'Bearer token-one' });
    const [p1, p2, p3] = await Promise.all([pidOf(one.client), pidOf(two.client), pidOf(again.client)]);
    expect(p1).not.toBe(p2);
    expect(p3).toBe(p1);
    // A session stays bound to its principal: the other token cannot use it.
    const res = await post(proxy.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { ...H(one.transport.sessionId!), authorization: 'Bearer token-two' });
    expect(res.status).toBe(404);
  });

  it('sessions count against --max-sessions as before; the shared child is not counted again', async () => {
    proxy = await startTestProxy({ isolation: 'principal', maxSessions: 2 });
    await openSession(proxy.url);
    await openSession(proxy.url);
    expect((await post(proxy.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } })).status).toBe(503);
  });

  it('the shared child idles out with its last session (the session reaper)', async () => {
    proxy = await startTestProxy({ isolation: 'principal', sessionTimeoutMs: 500 });
    const a = await connect();
    await connect();
    const pid = await pidOf(a.client);
    expect(await waitFor(() => proxy!.sessions.size === 0, 10_000, 50)).toBe(true);
    expect(await waitFor(() => !alive(pid), 10_000)).toBe(true);
  });

  it('a child that dies ends every session on it, each with the error', async () => {
    proxy = await startTestProxy({ isolation: 'principal' });
    const a = await connect();
    const b = await connect();
    const pending = b.client.callTool({ name: 'hang', arguments: {} }).then(() => 'answered', (e: unknown) => String(e));
    expect(await waitFor(() => proxy!.sessions.get(b.transport.sessionId!, undefined)?.busy === true, 10_000)).toBe(true);
    const crashed = await a.client.callTool({ name: 'crash', arguments: {} }).then(() => 'answered', (e: unknown) => String(e));
    expect(crashed).toMatch(/exited with code 3/);
    expect(await pending).toMatch(/exited with code 3/);
    expect(await waitFor(() => proxy!.sessions.size === 0, 10_000)).toBe(true);
  });
  it('with --header-to-env, sessions share a child only with equal header values (each child sees its own)', async () => {
    proxy = await startTestProxy({ isolation: 'principal', headerToEnv: [{ header: 'x-tenant', variable: 'TENANT', required: true }] });
    const acme1 = await connect({}, { 'x-tenant': 'acme' });
    const acme2 = await connect({}, { 'x-tenant': 'acme' });
    const globex = await connect({}, { 'x-tenant': 'globex' });
    expect(await pidOf(acme1.client)).toBe(await pidOf(acme2.client));
    expect(await pidOf(globex.client)).not.toBe(await pidOf(acme1.client));
    const tenant = async (c: { client: Client }): Promise<string> => textOf(await c.client.callTool({ name: 'env', arguments: { name: 'TENANT' } }));
    expect(await tenant(acme2)).toBe('acme');
    expect(await tenant(globex)).toBe('globex');
  });
});
