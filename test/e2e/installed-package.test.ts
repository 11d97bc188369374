import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/proxy-harness.js';
import { cleanEnv, killProxyBinaries, runBinary, startProxyBinary, type ProxyBinary } from '../helpers/proxy-binary.js';
import { INIT, post } from '../helpers/raw-http.js';

/**
 * The package as a user meets it: `npm pack`, installed from the tarball into a fresh prefix, both
 * binaries run from that prefix's bin/ in a directory that is not the checkout (so nothing can resolve
 * from the repository's node_modules).
 */

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'mcp-bridge-installed-'));
const prefix = join(work, 'prefix');
const userDir = join(work, 'user');
let proxyBin = '';
let clientBin = '';
let tarballFiles: string[] = [];
const started: ProxyBinary[] = [];
// PATH with only this Node's directory and the system's: the binaries' shebang finds node, nothing else of ours.
const env = (extra: Record<string, string> = {}): Record<string, string> => cleanEnv({ PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, ...extra });

beforeAll(async () => {
  // dist/ is built by `npm test` before vitest runs; --ignore-scripts keeps pack from rebuilding it under running tests.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  const packed = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarballFiles = packed[0]!.files.map((f) => f.path);
  const tarball = join(work, packed[0]!.filename);
  await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--no-update-notifier', tarball], { cwd: work, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
  proxyBin = join(prefix, 'bin', 'mcp-proxy');
  clientBin = join(prefix, 'bin', 'mcp-client');
  rmSync(userDir, { recursive: true, force: true });
  await run('mkdir', ['-p', userDir]);
}, 300_000);

afterAll(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
  killProxyBinaries();
  rmSync(work, { recursive: true, force: true });
});

async function startInstalled(args: string[], extra: Record<string, string> = {}, cwd = userDir): Promise<ProxyBinary> {
  const p = await startProxyBinary(args, { bin: proxyBin, env: env({ MCP_PROXY_LOG_FORMAT: 'json', ...extra }), cwd, timeoutMs: 60_000 });
  started.push(p);
  return p;
}

describe('the installed package', () => {
  it('ships what a user needs and nothing of the tests', () => {
    expect(tarballFiles).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'bin/mcp-proxy.js', 'bin/mcp-client.js', 'dist/cli/mcp-proxy.js', 'dist/cli/mcp-client.js']));
    expect(tarballFiles.filter((f) => f.startsWith('test/') || f.startsWith('src/') || f.startsWith('bench/') || f.endsWith('.map') || f.includes('.test.'))).toEqual([]);
    expect(readdirSync(join(prefix, 'bin')).sort()).toEqual(['mcp-client', 'mcp-proxy']);
  });

  it('--version and --help of both binaries', async () => {
    const version = (JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(join(ROOT, 'package.json'), 'utf8'))) as { version: string }).version;
    for (const bin of [proxyBin, clientBin]) {
      const v = await runBinary(['--version'], { bin, env: env(), cwd: userDir });
      expect(v.code, `${bin} --version: ${v.stderr}`).toBe(0);
      expect(v.stdout.trim()).toBe(version);
      const h = await runBinary(['--help'], { bin, env: env(), cwd: userDir });
      expect(h.code).toBe(0);
      expect(h.stdout).toContain('Usage:');
      // recommending `npx mcp-client …` would run an unrelated npm package of that name
      expect(h.stdout).not.toMatch(/\bnpx (-y )?mcp-(client|proxy) (https?:|-)/);
    }
  });

  it('--demo serves the bundled demo server, and the installed mcp-client lists its tools', async () => {
    const p = await startInstalled(['--demo', '--port', '0']);
    const listed = await runBinary(['--list-tools', '--json', p.url], { bin: clientBin, env: env(), cwd: userDir, timeoutMs: 60_000 });
    expect(listed.code, listed.stderr).toBe(0);
    const names = (JSON.parse(listed.stdout) as Array<{ name: string }> | { tools: Array<{ name: string }> });
    const tools = Array.isArray(names) ? names : names.tools;
    expect(tools.map((t) => t.name)).toContain('echo');
  });

  it('MCP_PROXY_* from the environment and from .env in the working directory; booleans set to false', async () => {
    const dir = mkdtempSync(join(work, 'dotenv-'));
    writeFileSync(join(dir, '.env'), 'MCP_PROXY_AUTH_TOKEN=installed-secret\nMCP_PROXY_DEMO=true\n');
    const p = await startInstalled(['--port', '0'], { MCP_PROXY_SHELL: 'false', MCP_PROXY_PASS_ENV: 'false' }, dir);
    expect((await post(p.url, INIT)).status).toBe(401);
    const listed = await runBinary(['--list-tools', '--json', '--bearer', 'installed-secret', p.url], { bin: clientBin, env: env(), cwd: userDir, timeoutMs: 60_000 });
    expect(listed.code, listed.stderr).toBe(0);
    const demoOff = await runBinary(['--port', '0'], { bin: proxyBin, env: env({ MCP_PROXY_DEMO: 'false' }), cwd: userDir });
    expect(demoOff.code).toBe(2);
  });

  it('start-up failures exit 1 with the reason', async () => {
    const missing = await runBinary(['--port', '0', '--', 'no-such-cmd'], { bin: proxyBin, env: env({ MCP_PROXY_LOG_FORMAT: 'json' }), cwd: userDir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('was not found (ENOENT)');
    const exits = await runBinary(['--port', '0', '--start-check', '30', '--', 'sh', '-c', 'echo config missing >&2; exit 3'], { bin: proxyBin, env: env({ MCP_PROXY_LOG_FORMAT: 'json' }), cwd: userDir, timeoutMs: 60_000 });
    expect(exits.code).toBe(1);
    expect(exits.stderr).toContain('config missing');
    const quoted = await runBinary(['--port', '0', 'npx -y @modelcontextprotocol/server-memory'], { bin: proxyBin, env: env({ MCP_PROXY_LOG_FORMAT: 'json' }), cwd: userDir });
    expect(quoted.code).toBe(1);
    expect(quoted.stderr).toContain('--shell');
  });
});
