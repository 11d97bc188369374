import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSseOnlyServer, type SseOnlyServer } from '../fixtures/sse-only-server.js';
import { runClientOnce } from '../helpers/client-run.js';
import { startTestServer, type TestServer } from '../helpers/client-test-server.js';

let server: TestServer;
let sse: SseOnlyServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  sse = await startSseOnlyServer();
  dir = mkdtempSync(join(tmpdir(), 'mcp-client-cli-'));
});
afterAll(async () => {
  await server.close();
  await sse.close();
  rmSync(dir, { recursive: true, force: true });
});

const quiet = { MCP_CLIENT_LOG_LEVEL: 'error' };

describe('mcp-client shell commands', () => {
  it('--list-tools --json follows every page and prints JSON on stdout; the session is deleted after', async () => {
    const deletedBefore = server.deletedSessions.length;
    const r = await runClientOnce(['--list-tools', '--json', server.url], { env: quiet });
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as { tools: Array<{ name: string; inputSchema: unknown }> };
    expect(parsed.tools.map((t) => t.name)).toEqual(['echo', 'add', 'sample', 'progress', 'fail', 'meta', 'slow']);
    expect(parsed.tools[0]?.inputSchema).toMatchObject({ required: ['message'] });
    expect(server.deletedSessions.length).toBe(deletedBefore + 1);
    expect(r.stderr).toBe('');
  });

  it('piped output is JSON even without --json (resources and prompts, paginated)', async () => {
    const resources = await runClientOnce(['--list-resources', server.url], { env: quiet });
    expect(resources.code).toBe(0);
    expect((JSON.parse(resources.stdout) as { resources: unknown[] }).resources).toHaveLength(5);
    const prompts = await runClientOnce(['--list-prompts', server.url], { env: quiet });
    expect((JSON.parse(prompts.stdout) as { prompts: Array<{ name: string }> }).prompts.map((p) => p.name)).toEqual(['prompt-0', 'prompt-1', 'prompt-2']);
  });

  it('-c prints text content; quoting, JSON objects and bare words all work', async () => {
    expect(await runClientOnce(['-c', "echo message='hello world'", server.url], { env: quiet })).toMatchObject({ code: 0, stdout: 'hello world\n' });
    expect(await runClientOnce(['-c', 'add {"a":1,"b":2}', server.url], { env: quiet })).toMatchObject({ code: 0, stdout: '3\n' });
    expect(await runClientOnce(['-c', 'echo hi there', server.url], { env: quiet })).toMatchObject({ code: 0, stdout: 'hi there\n' });
    expect(await runClientOnce(['-c', 'add a=0.5 b:=2', server.url], { env: quiet })).toMatchObject({ code: 0, stdout: '2.5\n' });
  });

  it('-c --json prints the raw result', async () => {
    const r = await runClientOnce(['--json', '-c', 'meta', server.url], { env: quiet });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ content: [{ type: 'text', text: 'meta' }], structuredContent: { meta: null } });
  });

  it('exit 1 when the tool reports isError', async () => {
    const r = await runClientOnce(['-c', 'fail', server.url], { env: quiet });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('it broke');
    const json = await runClientOnce(['-c', 'fail', '--json', server.url], { env: quiet });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ isError: true });
  });

  it('exit 2 naming the parameters for an unknown tool, unknown or missing parameter, or uncoercible value', async () => {
    const unknownTool = await runClientOnce(['-c', 'nope', server.url], { env: quiet });
    expect(unknownTool.code).toBe(2);
    expect(unknownTool.stderr).toContain("unknown tool 'nope'");
    expect(unknownTool.stderr).toContain('echo');
    const missing = await runClientOnce(['-c', 'add a=1', server.url], { env: quiet });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required parameter 'b'");
    expect(missing.stderr).toContain('a (number, required), b (number, required)');
    const unknownParam = await runClientOnce(['-c', 'add a=1 b=2 c=3', server.url], { env: quiet });
    expect(unknownParam.code).toBe(2);
    expect(unknownParam.stderr).toContain("unknown parameter 'c'");
    const bad = await runClientOnce(['-c', 'add a=one b=2', server.url], { env: quiet });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'a' must be number");
    expect(bad.stdout).toBe('');
  });

  it('MCP_SERVER_URL from .env: `mcp-client --list-tools` with no arguments', async () => {
    writeFileSync(join(dir, '.env'), `MCP_SERVER_URL=${server.url}\nMCP_CLIENT_LOG_LEVEL=error\n`);
    const r = await runClientOnce(['--list-tools'], { cwd: dir });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { tools: unknown[] }).tools).toHaveLength(7);
  });

  it('--header ${ENV} reaches the server on shell commands too', async () => {
    const r = await runClientOnce(['-H', 'X-Trace: t-${TRACE}', '-c', 'echo x', server.url], { env: { ...quiet, TRACE: '77' } });
    expect(r.code).toBe(0);
    expect(server.requests.some((q) => q.headers['x-trace'] === 't-77')).toBe(true);
  });

  it('falls back to legacy SSE for commands too', async () => {
    const r = await runClientOnce(['--list-tools', '--json', sse.url], { env: quiet });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { tools: unknown[] }).tools).toHaveLength(7);
    const call = await runClientOnce(['-c', 'echo via sse', sse.url], { env: quiet });
    expect(call).toMatchObject({ code: 0, stdout: 'via sse\n' });
  });

  it('usage: --help exits 0 with examples; missing URL and bad flags exit 2', async () => {
    const help = await runClientOnce(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    const noUrl = await runClientOnce(['--list-tools'], { cwd: tmpdir() });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('MCP_SERVER_URL');
    const badFlag = await runClientOnce(['--bogus']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--bogus');
  });
});
