import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureProxy as startProxyBinary, type ProxyBinary } from '../../helpers/proxy-binary.js';
import { EVERYTHING } from '../../helpers/modern-harness.js';
import { alive, textOf, waitFor } from '../../helpers/proxy-harness.js';
import { final, post, request } from '../../helpers/modern-wire.js';

/**
 * The era adapter as a strict 2026-07-28 client meets it: the real mcp-proxy binary wrapping the
 * 2025-era fixture, raw HTTP so that statuses, `requestState`s and cache hints are seen on the wire.
 * One proxy serves the whole file, so every test is also a later request to a long-lived child.
 */

type Result = Record<string, unknown>;
type InputRequired = { resultType: string; inputRequests: Record<string, { method: string; params?: Result }>; requestState: string };

let proxy: ProxyBinary;
beforeAll(async () => {
  proxy = await startProxyBinary(['--child-era', 'legacy', '--session-timeout', '300']);
});
afterAll(async () => {
  expect(await proxy.stop()).toBe(0);
});

async function childPid(): Promise<number> {
  const res = await final(await post(proxy.url, request('tools/call', { name: 'pid', arguments: {} })));
  return Number((res.result?.content as Array<{ text: string }>)[0]!.text);
}

/** A tools/call with these capabilities; its HTTP status and last JSON-RPC message. */
async function callTool(name: string, caps: Result, extra: Result = {}): Promise<{ status: number; body: Awaited<ReturnType<typeof final>> }> {
  const res = await post(proxy.url, request('tools/call', { name, arguments: {}, ...extra }, caps));
  return { status: res.status, body: await final(res) };
}

describe('capabilities are per request', () => {
  it('one long-lived child serves a sequence of requests declaring different capabilities', async () => {
    const pid = await childPid();
    // `input_required`: the child's question reached the client; `refused`: it did not declare what the
    // question needs, so the child was told so and answered the call itself.
    const steps: Array<{ caps: Result; tool: string; expect: 'input_required' | 'refused'; missing?: string }> = [
      { caps: {}, tool: 'sample', expect: 'refused', missing: 'sampling' },
      { caps: { elicitation: {} }, tool: 'elicit', expect: 'input_required' },
      { caps: { sampling: {} }, tool: 'sample', expect: 'input_required' },
      { caps: { elicitation: { url: {} } }, tool: 'elicit', expect: 'refused', missing: 'elicitation.form' },
      { caps: { roots: {} }, tool: 'roots', expect: 'input_required' },
      { caps: { sampling: {} }, tool: 'elicit', expect: 'refused', missing: 'elicitation.form' },
      { caps: { elicitation: { form: {} }, sampling: {}, roots: {} }, tool: 'elicit', expect: 'input_required' },
      { caps: {}, tool: 'roots', expect: 'refused', missing: 'roots' },
    ];
    for (const step of steps) {
      const { status, body } = await callTool(step.tool, step.caps);
      expect(status, JSON.stringify(step)).toBe(200);
      if (step.expect === 'input_required') {
        const round = body.result as unknown as InputRequired;
        expect(round.resultType, JSON.stringify(step)).toBe('input_required');
        const [key, ask] = Object.entries(round.inputRequests)[0]!;
        const answer = ask.method === 'roots/list' ? { roots: [{ uri: 'file:///w', name: 'w' }] }
          : ask.method === 'sampling/createMessage' ? { role: 'assistant', content: { type: 'text', text: 'sampled' }, model: 'm' }
            : { action: 'accept', content: { name: 'Ada' } };
        const done = await callTool(step.tool, step.caps, { requestState: round.requestState, inputResponses: { [key]: answer } });
        expect(done.status).toBe(200);
        expect(done.body.result?.resultType).toBe('complete');
        expect(JSON.stringify(done.body.result)).toMatch(/sampled|Ada|file:\/\/\/w/);
      } else {
        expect(body.result?.resultType, JSON.stringify(step)).toBe('complete');
        expect(JSON.stringify(body.result)).toContain(`did not declare the ${step.missing} capability on this request`);
      }
      // Plain requests in between keep working whatever the previous one declared.
      expect((await final(await post(proxy.url, request('tools/call', { name: 'echo', arguments: { message: 'x' } }, step.caps)))).result?.content).toEqual([{ type: 'text', text: 'echo: x' }]);
    }
    expect(await childPid()).toBe(pid);
  });

  it('a server that registers tools by client capability (server-everything) offers them to every request, and serves each one that declares them', async () => {
    const everything = await startProxyBinary(['--child-era', 'legacy'], [process.execPath, EVERYTHING, 'stdio']);
    try {
      // The first request declares nothing: before, the child was initialised with nothing and never offered these.
      const listed = await final(await post(everything.url, request('tools/list', {}, {})));
      const names = (listed.result?.tools as Array<{ name: string }>).map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['trigger-sampling-request', 'trigger-elicitation-request', 'get-roots-list']));
      const caps = { sampling: {} };
      const call = { name: 'trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } };
      const first = await final(await post(everything.url, request('tools/call', call, caps)));
      const round = first.result as unknown as InputRequired;
      expect(round.resultType).toBe('input_required');
      const [key, ask] = Object.entries(round.inputRequests)[0]!;
      expect(ask.method).toBe('sampling/createMessage');
      const answer = { role: 'assistant', content: { type: 'text', text: 'from the 2026 client' }, model: 'm' };
      const done = await final(await post(everything.url, request('tools/call', { ...call, requestState: round.requestState, inputResponses: { [key]: answer } }, caps)));
      expect(done.result?.resultType).toBe('complete');
      expect(JSON.stringify(done.result)).toContain('from the 2026 client');
    } finally {
      expect(await everything.stop()).toBe(0);
    }
  });
});

describe('methods the revision does not have', () => {
  it.each([
    ['ping', {}],
    ['logging/setLevel', { level: 'debug' }],
    ['resources/subscribe', { uri: 'test://r/0' }],
    ['resources/unsubscribe', { uri: 'test://r/0' }],
  ])('%s with a 2026-07-28 envelope gets HTTP 404 and -32601', async (method, params) => {
    const res = await post(proxy.url, request(method, params));
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await final(res)).error).toMatchObject({ code: -32601, message: `Method not found: ${method} is not part of protocol revision 2026-07-28` });
  });

  it('a -32601 the child answers later is HTTP 404 too', async () => {
    for (const method of ['completion/complete', 'vendor/unknown']) {
      const res = await post(proxy.url, request(method, { ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'who', value: 'a' } }));
      expect(res.status, method).toBe(404);
      expect((await final(res)).error).toMatchObject({ code: -32601, message: `Method not found: ${method}` });
    }
  });
});

describe('server/discover', () => {
  it('lists the same versions as the -32022 error, with conservative cache hints', async () => {
    const res = await post(proxy.url, request('server/discover'));
    expect(res.status).toBe(200);
    const discover = (await final(res)).result!;
    expect(discover).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'private', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'legacy-fixture' } } });
    const unsupported = await post(proxy.url, request('tools/list', {}, {}, { 'io.modelcontextprotocol/protocolVersion': '2027-01-01' }), { 'mcp-protocol-version': '2027-01-01' });
    expect(unsupported.status).toBe(400);
    const error = (await final(unsupported)).error!;
    expect(error.code).toBe(-32022);
    expect(discover.supportedVersions).toEqual(error.data?.supported);
    expect((discover.supportedVersions as string[])[0]).toBe('2026-07-28');
    expect(discover.supportedVersions).toEqual(expect.arrayContaining(['2025-11-25', '2025-06-18', '2025-03-26']));
  });

  it('an SDK client with versionNegotiation auto takes 2026-07-28 from it, and a legacy one still gets a 2025 session', async () => {
    const auto = new Client({ name: 'auto', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    const autoTransport = new StreamableHTTPClientTransport(new URL(proxy.url));
    await auto.connect(autoTransport);
    expect(autoTransport.protocolVersion).toBe('2026-07-28');
    expect(autoTransport.sessionId).toBeUndefined();
    expect(textOf(await auto.callTool({ name: 'echo', arguments: { message: 'modern' } }))).toBe('echo: modern');
    await auto.close();
    const legacy = new Client({ name: 'legacy', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
    const legacyTransport = new StreamableHTTPClientTransport(new URL(proxy.url));
    await legacy.connect(legacyTransport);
    expect(legacyTransport.sessionId).toMatch(/.+/);
    expect(textOf(await legacy.callTool({ name: 'echo', arguments: { message: 'old' } }))).toBe('echo: old');
    await legacyTransport.terminateSession();
    await legacy.close();
  });
});

describe('multi-round-trip results', () => {
  it('collects server→client requests the child sends together into one input_required result', async () => {
    const caps = { elicitation: {}, sampling: {}, roots: {} };
    const first = await callTool('ask_all', caps);
    const round = first.body.result as unknown as InputRequired;
    expect(round.resultType).toBe('input_required');
    expect(Object.values(round.inputRequests).map((r) => r.method).sort()).toEqual(['elicitation/create', 'roots/list', 'sampling/createMessage']);
    const answers: Result = {};
    for (const [key, ask] of Object.entries(round.inputRequests)) {
      answers[key] = ask.method === 'roots/list' ? { roots: [{ uri: 'file:///r', name: 'r' }] }
        : ask.method === 'sampling/createMessage' ? { role: 'assistant', content: { type: 'text', text: 'llm' }, model: 'm' }
          : { action: 'accept', content: { name: 'Ada' } };
    }
    const done = await callTool('ask_all', caps, { requestState: round.requestState, inputResponses: answers });
    expect(done.body.result).toMatchObject({ resultType: 'complete', content: [{ text: 'all: [{"action":"accept","content":{"name":"Ada"}},"llm",[{"uri":"file:///r","name":"r"}]]' }] });
  });

  it('mints a fresh requestState each round and accepts only the current one', async () => {
    const caps = { elicitation: {} };
    const r1 = (await callTool('elicit_twice', caps)).body.result as unknown as InputRequired;
    const [k1, ask1] = Object.entries(r1.inputRequests)[0]!;
    expect(ask1.params?.message).toBe('First?');
    const r2 = (await callTool('elicit_twice', caps, { requestState: r1.requestState, inputResponses: { [k1]: { action: 'accept', content: { name: 'one' } } } })).body.result as unknown as InputRequired;
    expect(r2.resultType).toBe('input_required');
    expect(r2.requestState).not.toBe(r1.requestState);
    const [k2, ask2] = Object.entries(r2.inputRequests)[0]!;
    expect(ask2.params?.message).toBe('Second?');
    const replay = await callTool('elicit_twice', caps, { requestState: r1.requestState, inputResponses: { [k1]: { action: 'accept', content: { name: 'replayed' } } } });
    expect(replay.status).toBe(200);
    expect(replay.body.error).toMatchObject({ code: -32602, message: expect.stringContaining('earlier round') });
    const done = await callTool('elicit_twice', caps, { requestState: r2.requestState, inputResponses: { [k2]: { action: 'accept', content: { name: 'two' } } } });
    expect(done.body.result).toMatchObject({ resultType: 'complete', content: [{ text: 'twice: [{"action":"accept","content":{"name":"one"}},{"action":"accept","content":{"name":"two"}}]' }] });
    const again = await callTool('elicit_twice', caps, { requestState: r2.requestState, inputResponses: { [k2]: { action: 'decline' } } });
    expect(again.body.error?.code).toBe(-32602);
  });
});

describe('results as 2026-07-28 servers give them', () => {
  it.each([
    ['tools/list', {}],
    ['prompts/list', {}],
    ['resources/list', {}],
    ['resources/templates/list', {}],
    ['resources/read', { uri: 'test://r/2' }],
  ])('%s carries ttlMs 0 and cacheScope "private" when the child gives none', async (method, params) => {
    const res = await post(proxy.url, request(method, params));
    const body = await final(res);
    if (method === 'resources/templates/list') {
      // The fixture has no templates: its -32601 is a 404, not a result to cache.
      expect(res.status).toBe(404);
      return;
    }
    expect(body.result).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'private' });
  });

  it('an unknown resource is -32602 with data.uri (the child said -32002)', async () => {
    const res = await post(proxy.url, request('resources/read', { uri: 'test://nope' }));
    expect(res.status).toBe(200);
    expect((await final(res)).error).toEqual({ code: -32602, message: 'Resource not found: test://nope', data: { uri: 'test://nope' } });
  });
});

describe('the proxy binary', () => {
  it('ends the principal child with itself (no orphan)', async () => {
    const pid = await childPid();
    const own = await startProxyBinary(['--child-era', 'legacy']);
    const res = await final(await post(own.url, request('tools/call', { name: 'pid', arguments: {} })));
    const ownPid = Number((res.result?.content as Array<{ text: string }>)[0]!.text);
    expect(ownPid).not.toBe(pid);
    expect(await own.stop()).toBe(0);
    expect(await waitFor(() => !alive(ownPid), 5_000)).toBe(true);
  });
});
