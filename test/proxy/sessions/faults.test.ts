import { afterEach, describe, expect, it } from 'vitest';
import { alive, startTestProxy, waitFor } from '../../helpers/proxy-harness.js';
import { INIT, call, messagesOf, openSession, post } from '../../helpers/raw-http.js';

let proxy: Awaited<ReturnType<typeof startTestProxy>> | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

const pidOf = async (url: string, sid: string, id = 90): Promise<number> => {
  const r = await call(url, sid, id, 'pid');
  return Number((r.result as { content: Array<{ text: string }> }).content[0]!.text);
};

describe('isolation', () => {
  it('gives each session its own child; state set in one is invisible in the other', async () => {
    proxy = await startTestProxy();
    const a = await openSession(proxy.url);
    const b = await openSession(proxy.url);
    const [pa, pb] = [await pidOf(proxy.url, a), await pidOf(proxy.url, b)];
    expect(pa).not.toBe(pb);
    await call(proxy.url, a, 1, 'set_state', { value: 'secret-a' });
    expect(JSON.stringify(await call(proxy.url, b, 2, 'get_state'))).toContain('(unset)');
    expect(JSON.stringify(await call(proxy.url, a, 3, 'get_state'))).toContain('secret-a');
  });

  it('keeps one session\'s log notifications out of another session', async () => {
    proxy = await startTestProxy();
    const a = await openSession(proxy.url);
    const b = await openSession(proxy.url);
    const controller = new AbortController();
    const stream = await fetch(proxy.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': b }, signal: controller.signal });
    expect(stream.status).toBe(200);
    // Session A's child logs while B listens; then B's own child logs. B's stream must carry only B's.
    await call(proxy.url, a, 1, 'log', { message: 'for-a-only' });
    await call(proxy.url, b, 2, 'log', { message: 'for-b' });
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const deadline = Date.now() + 5_000;
    while (!text.includes('for-b') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    controller.abort();
    expect(text).toContain('for-b');
    expect(text).not.toContain('for-a-only');
  });
});

describe('child faults', () => {
  it('a crash fails the in-flight request with the exit code and stderr, drops the session, spares others', async () => {
    proxy = await startTestProxy();
    const victim = await openSession(proxy.url);
    const bystander = await openSession(proxy.url);
    const pid = await pidOf(proxy.url, victim);
    const answer = await call(proxy.url, victim, 5, 'crash');
    const error = answer.error as { code: number; message: string; data: { exitCode: number; stderr: string[] } };
    expect(error.message).toMatch(/exited with code 3/);
    expect(error.message).toMatch(/crash requested/);
    expect(error.data.exitCode).toBe(3);
    expect(await waitFor(() => !alive(pid))).toBe(true);
    const next = await post(proxy.url, { jsonrpc: '2.0', id: 6, method: 'tools/list' }, { 'mcp-session-id': victim, 'mcp-protocol-version': '2025-11-25' });
    expect(next.status).toBe(404);
    expect(JSON.stringify(await call(proxy.url, bystander, 7, 'echo', { message: 'alive' }))).toContain('echo: alive');
  });

  it('a hung request times out with a JSON-RPC error and the child is told to cancel', async () => {
    proxy = await startTestProxy({ requestTimeoutMs: 300 });
    const sid = await openSession(proxy.url);
    const answer = await call(proxy.url, sid, 11, 'hang');
    expect(answer.error).toMatchObject({ code: -32010 });
    expect((answer.error as { message: string }).message).toMatch(/did not answer within 0.3s/);
    expect(await waitFor(() => proxy!.lines.some((l) => l.includes('cancelled request 11')))).toBe(true);
    expect(JSON.stringify(await call(proxy.url, sid, 12, 'echo', { message: 'next' }))).toContain('echo: next');
  });

  it('progress notifications reset the request timeout', async () => {
    proxy = await startTestProxy({ requestTimeoutMs: 400 });
    const sid = await openSession(proxy.url);
    const res = await post(proxy.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'progress', arguments: { steps: 6, delayMs: 150 }, _meta: { progressToken: 'p1' } } }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    const messages = await messagesOf(res);
    expect(messages.filter((m) => m.method === 'notifications/progress')).toHaveLength(6);
    expect(JSON.stringify(messages.at(-1))).toContain('done 6');
  });

  it('drops non-JSON stdout lines and reassembles split lines (noisy server)', async () => {
    proxy = await startTestProxy({}, ['--noisy']);
    const sid = await openSession(proxy.url);
    expect(JSON.stringify(await call(proxy.url, sid, 1, 'echo', { message: 'through the noise' }))).toContain('echo: through the noise');
    expect(proxy.lines.some((l) => l.includes('non-JSON line on child stdout dropped'))).toBe(true);
  });

  it('drops a stdout line over the size cap with an error and keeps the session', async () => {
    proxy = await startTestProxy({ maxLineBytes: 4_096, requestTimeoutMs: 500 });
    const sid = await openSession(proxy.url);
    const answer = await call(proxy.url, sid, 1, 'big', { bytes: 10_000 });
    expect(answer.error).toMatchObject({ code: -32010 });
    expect(proxy.lines.some((l) => l.includes('over the size cap'))).toBe(true);
    expect(JSON.stringify(await call(proxy.url, sid, 2, 'echo', { message: 'ok' }))).toContain('echo: ok');
  });

  it('a command that cannot start answers initialize with a clear error', async () => {
    proxy = await startTestProxy({ child: { command: '/nonexistent/mcp-server', args: [], env: {}, passEnv: true, baseEnv: process.env, shell: false } });
    const res = await post(proxy.url, INIT);
    const [answer] = await messagesOf(res);
    expect((answer!.error as { message: string }).message).toMatch(/could not be started.*nonexistent/);
  });

  it('a child that dies on start answers initialize with its exit code and stderr', async () => {
    proxy = await startTestProxy({}, ['--exit-on-start', '7']);
    const [answer] = await messagesOf(await post(proxy.url, INIT));
    expect((answer!.error as { message: string }).message).toMatch(/exited with code 7.*configured to exit on start/);
  });
});

describe('lifecycle', () => {
  it('DELETE ends the session and its child', async () => {
    proxy = await startTestProxy();
    const sid = await openSession(proxy.url);
    const pid = await pidOf(proxy.url, sid);
    const res = await fetch(proxy.url, { method: 'DELETE', headers: { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' } });
    expect(res.status).toBe(200);
    expect(await waitFor(() => !alive(pid))).toBe(true);
    expect(proxy.sessions.size).toBe(0);
  });

  it('reaps an idle session even while its client keeps a GET stream open', async () => {
    proxy = await startTestProxy({ sessionTimeoutMs: 400 });
    const sid = await openSession(proxy.url);
    const pid = await pidOf(proxy.url, sid);
    const stream = await fetch(proxy.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sid } });
    expect(stream.status).toBe(200);
    const ended = stream.text();
    expect(await waitFor(() => !alive(pid), 5_000)).toBe(true);
    await ended;
    expect(proxy.sessions.size).toBe(0);
  });

  it('a busy session is not reaped while a request is in flight', { timeout: 30_000 }, async () => {
    // The call lasts 4 × 1.5 s, twice the 3 s timeout; the 3 s between handshake and call leave room on a loaded machine.
    proxy = await startTestProxy({ sessionTimeoutMs: 3_000, requestTimeoutMs: 30_000 });
    const sid = await openSession(proxy.url);
    const answer = await call(proxy.url, sid, 1, 'progress', { steps: 4, delayMs: 1_500 });
    expect(JSON.stringify(answer)).toContain('done 4');
    expect(proxy.sessions.size).toBe(1);
  });

  it('503 with Retry-After and a JSON-RPC body beyond --max-sessions', async () => {
    proxy = await startTestProxy({ maxSessions: 2 });
    await openSession(proxy.url);
    await openSession(proxy.url);
    const res = await post(proxy.url, INIT);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', id: 0, error: { code: -32000 } });
  });

  it('closing the proxy ends every child', async () => {
    proxy = await startTestProxy();
    const pids = [await pidOf(proxy.url, await openSession(proxy.url)), await pidOf(proxy.url, await openSession(proxy.url))];
    await proxy.close();
    proxy = undefined;
    expect(pids.every((p) => !alive(p))).toBe(true);
  });
});
