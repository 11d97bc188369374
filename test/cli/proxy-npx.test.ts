import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { localNpxPackage as localPackage } from '../helpers/npx-package.js';
import { textOf } from '../helpers/proxy-harness.js';
import { cleanEnv, killProxyBinaries, runBinary, startProxyBinary, type ProxyBinary } from '../helpers/proxy-binary.js';
import { call, openSession } from '../helpers/raw-http.js';

/** The npx fast path, on the binary, with a package npm installs from a local folder (no network). */

const started: ProxyBinary[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});
afterAll(() => killProxyBinaries());

const parentOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
// npm finds node through PATH; keep the test's npm configuration (cache) by passing HOME and npm_config_* along.
const env = (): Record<string, string> => {
  const out = cleanEnv({ MCP_PROXY_LOG_FORMAT: 'json' });
  for (const [k, v] of Object.entries(process.env)) if (k.toLowerCase().startsWith('npm_config_') && v !== undefined) out[k] = v;
  return out;
};

describe('mcp-proxy -- npx -y pkg', () => {
  it('resolves the package once and spawns its bin directly: no npm process between the proxy and the server', async () => {
    const pkg = localPackage();
    const p = await startProxyBinary(['--port', '0', '--', 'npx', '-y', pkg, '--name', 'via-npx'], { env: env(), timeoutMs: 120_000 });
    started.push(p);
    expect(p.stderr()).toContain('npx command resolved once');
    const sid = await openSession(p.url);
    const pid = Number(textOf((await call(p.url, sid, 1, 'pid')).result));
    expect(parentOf(pid)).toBe(p.proc.pid);
    const second = await openSession(p.url);
    const pid2 = Number(textOf((await call(p.url, second, 2, 'pid')).result));
    expect(pid2).not.toBe(pid);
    expect(parentOf(pid2)).toBe(p.proc.pid);
  }, 150_000);

  it('--no-npx-resolve keeps npx per session (npm sits between the proxy and the server)', async () => {
    const pkg = localPackage();
    const p = await startProxyBinary(['--port', '0', '--no-npx-resolve', '--', 'npx', '-y', pkg], { env: env(), timeoutMs: 120_000 });
    started.push(p);
    expect(p.stderr()).not.toContain('npx command resolved once');
    const sid = await openSession(p.url);
    const pid = Number(textOf((await call(p.url, sid, 1, 'pid')).result));
    expect(parentOf(pid)).not.toBe(p.proc.pid);
  }, 150_000);

  it('a package npm cannot install: a warning, then npx itself, whose failure the start-up check reports', async () => {
    // npx itself fails slowly on a loaded machine: a wide start-check window (it ends when npx exits).
    const run = await runBinary(['--port', '0', '--start-check', '60', '--', 'npx', '-y', join(tmpdir(), 'no-such-package-dir-for-mcp-proxy')], { env: env(), timeoutMs: 120_000 });
    expect(run.stderr).toContain('npx command not resolved');
    expect(run.code).toBe(1);
  }, 150_000);
});
