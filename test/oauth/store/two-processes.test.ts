import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processIsAlive } from '../../../src/oauth/store/file-lock.js';
import { bundleClientProcess, runClientProcess } from '../../helpers/oauth-child-process.js';
import { callTool, startOAuthFixture, type OAuthFixture } from '../../helpers/oauth-fixture.js';

let fx: OAuthFixture;
let script: string;
beforeAll(async () => {
  [fx, script] = await Promise.all([startOAuthFixture({ accessTokenTtl: 300 }), bundleClientProcess()]);
}, 60_000);
afterAll(async () => {
  await fx?.close();
  if (script) await rm(script, { force: true });
});

describe('two mcp-client processes for one server', () => {
  it('share one login through the lock file', async () => {
    const dir = await fx.freshConfigDir();
    const [a, b] = await Promise.all([runClientProcess(script, [fx.mcp.url, dir, '0']), runClientProcess(script, [fx.mcp.url, dir, '0'])]);
    expect(a.summary.text, a.stderr).toBe('ok');
    expect(b.summary.text, b.stderr).toBe('ok');
    expect((a.summary.browserOpened ?? 0) + (b.summary.browserOpened ?? 0)).toBe(1);
    for (const child of [a, b]) expect(child.pid !== undefined && processIsAlive(child.pid)).toBe(false);
  }, 60_000);

  it('share one refresh, so rotation never invalidates the other (and the grant survives)', async () => {
    const dir = await fx.freshConfigDir();
    const { oauth } = fx.client({ configDir: dir });
    await oauth.login();
    const refreshesBefore = fx.as.grants.refresh_token ?? 0;
    const hourAhead = String(3_600_000);
    const [a, b] = await Promise.all([runClientProcess(script, [fx.mcp.url, dir, hourAhead]), runClientProcess(script, [fx.mcp.url, dir, hourAhead])]);
    expect(a.summary.text, a.stderr).toBe('ok');
    expect(b.summary.text, b.stderr).toBe('ok');
    expect(a.summary.browserOpened! + b.summary.browserOpened!).toBe(0);
    expect((fx.as.grants.refresh_token ?? 0) - refreshesBefore).toBe(1);
    // The rotated refresh token on disk still works: reuse detection did not revoke the grant.
    const later = fx.client({ configDir: dir, now: () => Date.now() + 7_200_000 });
    expect(await callTool(later.oauth.fetch, fx.mcp.url)).toBe('ok');
    expect(later.browser.opened).toHaveLength(0);
    expect((fx.as.grants.refresh_token ?? 0) - refreshesBefore).toBe(2);
    // Nothing secret in either child's debug log.
    for (const token of fx.mcp.seenTokens) {
      const raw = token.replace(/^Bearer /, '');
      expect(a.stderr.includes(raw) || b.stderr.includes(raw)).toBe(false);
    }
  }, 60_000);
});
