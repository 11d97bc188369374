/**
 * The shell commands against both eras: the SDK client's version negotiation (`--protocol auto`)
 * discovers a modern-only server and falls back to `initialize` on a 2025 one; `--protocol modern`
 * pins 2026-07-28 and fails clearly on a 2025 server; `--protocol legacy` never sends the probe.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClientOnce } from '../helpers/client-run.js';
import { startModernHttpRemote, type ModernHttpRemote } from '../helpers/modern-http-remote.js';
import { startTestServer, type TestServer } from '../helpers/client-test-server.js';

let modern: ModernHttpRemote;
let legacy: TestServer;

beforeAll(async () => {
  modern = await startModernHttpRemote();
  legacy = await startTestServer();
});
afterAll(async () => {
  await modern.close();
  await legacy.close();
});

const quiet = { MCP_CLIENT_LOG_LEVEL: 'error' };

describe('mcp-client shell commands on a modern-only server', () => {
  it('--list-tools and -c work with the default --protocol auto, statelessly', async () => {
    const before = modern.requests.length;
    const listed = await runClientOnce(['--list-tools', '--json', modern.url], { env: quiet });
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name)).toContain('echo');
    const called = await runClientOnce(['-c', "echo message='hi there'", modern.url], { env: quiet });
    expect(called).toMatchObject({ code: 0, stdout: 'echo: hi there\n' });
    const ours = modern.requests.slice(before);
    expect(ours.map((r) => r.headers['mcp-method'])).toEqual(expect.arrayContaining(['server/discover', 'tools/list', 'tools/call']));
    expect(ours.every((r) => r.headers['mcp-session-id'] === undefined)).toBe(true);
  });

  it('--protocol modern pins 2026-07-28; --protocol legacy fails with the server\'s refusal, exit 1', async () => {
    expect(await runClientOnce(['--protocol', 'modern', '-c', 'add a=1 b=2', modern.url], { env: quiet })).toMatchObject({ code: 0, stdout: '3\n' });
    const refused = await runClientOnce(['--protocol', 'legacy', '--list-tools', modern.url], { env: quiet });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('it supports 2026-07-28 (try --protocol auto)');
  });
});

describe('mcp-client shell commands on a 2025-only server', () => {
  it('--protocol auto falls back to initialize and works', async () => {
    expect(await runClientOnce(['-c', "echo message='hello'", legacy.url], { env: quiet })).toMatchObject({ code: 0, stdout: 'hello\n' });
  });

  it('--protocol legacy initializes without probing', async () => {
    const before = legacy.requests.length;
    expect(await runClientOnce(['--protocol', 'legacy', '-c', 'add a=2 b=3', legacy.url], { env: quiet })).toMatchObject({ code: 0, stdout: '5\n' });
    expect(legacy.requests.slice(before)[0]?.rpcMethod).toBe('initialize');
  });

  it('--protocol modern fails clearly (no fallback when pinned), exit 1', async () => {
    const r = await runClientOnce(['--protocol', 'modern', '--list-tools', legacy.url], { env: quiet });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/mcp-client: .*2026-07-28/);
  });
});
