/** mcp-client's usage surface through the real binary: --version, plain-text usage errors, -c '', a URL without a scheme. */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runClientOnce } from '../helpers/client-run.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** stderr is a pipe here (as in Claude Desktop's log): a usage error is plain text, not a JSON log line. */
function expectPlainUsage(stderr: string, fragment: string): void {
  expect(stderr).toMatch(/^mcp-client: /);
  expect(stderr).toContain(fragment);
  expect(stderr).toContain('\nRun mcp-client --help for usage.\n');
  expect(stderr).not.toContain('{"time"');
}

describe('mcp-client usage', () => {
  it('--version and -V print the package version on stdout and exit 0', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runClientOnce([flag]);
      expect(r).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('--help recommends running the package by its own name (plain `npx mcp-client` is another package)', async () => {
    const help = await runClientOnce(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('npx -y -p mcp-bridge mcp-client https://');
    expect(help.stdout).toContain('"args": ["-y", "-p", "mcp-bridge", "mcp-client", "https://');
    expect(help.stdout).toContain('npm i -g mcp-bridge');
    expect(help.stdout).not.toMatch(/"args": \["mcp-client"/);
  });

  it('the client docs never tell users to run `npx mcp-client …` or `"args": ["mcp-client", …]`', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## mcp-client'), readme.indexOf('## Documentation'));
    const docs = ['mcp-client.md', 'oauth.md'].map((f) => readFileSync(new URL(`../../docs/${f}`, import.meta.url), 'utf8'));
    for (const text of [section, ...docs]) {
      expect(text).not.toMatch(/npx mcp-client (-|https?:)/);
      expect(text).not.toMatch(/"args": \["mcp-client"/);
    }
    expect(section).toContain('npx -y -p mcp-bridge mcp-client');
    expect(docs[0]).toContain('"args": ["-y", "-p", "mcp-bridge", "mcp-client", "https://');
  });

  it('an unknown flag or a missing URL: plain text on stderr, exit 2', async () => {
    const bad = await runClientOnce(['--bogus']);
    expect(bad.code).toBe(2);
    expectPlainUsage(bad.stderr, "unknown option '--bogus'");
    const noUrl = await runClientOnce(['--list-tools'], { cwd: tmpdir() });
    expect(noUrl.code).toBe(2);
    expectPlainUsage(noUrl.stderr, 'MCP_SERVER_URL');
  });

  it("-c '' is a usage error, not bridge mode", async () => {
    const r = await runClientOnce(['-c', '', 'http://127.0.0.1:9/mcp'], { timeoutMs: 10_000 });
    expect(r.code).toBe(2);
    expectPlainUsage(r.stderr, '-c/--call needs a tool name');
    expect(r.stdout).toBe('');
  });

  it('a URL without a scheme: suggests https:// and http://', async () => {
    for (const raw of ['example.com/mcp', 'localhost:3000/mcp']) {
      const r = await runClientOnce(['--list-tools', raw]);
      expect(r.code).toBe(2);
      expectPlainUsage(r.stderr, `has no scheme: use https://${raw} (or http://${raw}`);
    }
  });
});
