/**
 * Both era probes against real remotes of every kind: a 2025-only server (SDK sessions; and mcp-proxy
 * wrapping the 2025 fixture), a dual-era one (mcp-proxy wrapping the modern fixture), and 2026-07-28-only
 * servers of three behaviours for a session-less `ping`: the SDK's -32022 refusal (HTTP 400), and "method
 * not found" -32601 with HTTP 404 or 200 (which the probe confirms with `server/discover`).
 */
import { fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeRemote } from '../../../src/client/remote/remote-era-probe.js';
import type { FetchLike } from '../../../src/shared/fetch-like.js';
import { startTestServer } from '../../helpers/client-test-server.js';
import { startModernProxy } from '../../helpers/modern-harness.js';
import { startModernHttpRemote, type LegacyAnswer } from '../../helpers/modern-http-remote.js';
import { startTestProxy } from '../../helpers/proxy-harness.js';

interface Remote {
  url: string;
  close(): Promise<void>;
}

const fetch = undiciFetch as unknown as FetchLike;
const modernOnly = (legacyAnswer: LegacyAnswer) => () => startModernHttpRemote(`modern-${legacyAnswer}`, { legacyAnswer });

// [remote, does it speak 2026-07-28 (discover), does it serve 2025 requests (serves-legacy)]
const CASES: Array<[string, () => Promise<Remote>, 'legacy' | 'modern', 'legacy' | 'modern']> = [
  ['2025-only (SDK sessions)', () => startTestServer(), 'legacy', 'legacy'],
  ['2025-only (mcp-proxy, 2025 child)', () => startTestProxy(), 'legacy', 'legacy'],
  ['dual-era (mcp-proxy, modern child)', () => startModernProxy('modern'), 'modern', 'legacy'],
  ['2026-07-28-only, ping refused with 400 / -32022', modernOnly('reject'), 'modern', 'modern'],
  ['2026-07-28-only, ping answered 404 / -32601', modernOnly('not-found-404'), 'modern', 'modern'],
  ['2026-07-28-only, ping answered 200 / -32601', modernOnly('not-found-200'), 'modern', 'modern'],
];

for (const [name, start, speaksModern, servesLegacy] of CASES) {
  describe(`era probes: ${name}`, () => {
    let remote: Remote;
    beforeAll(async () => {
      remote = await start();
    });
    afterAll(async () => {
      await remote?.close();
    });
    const options = () => ({ url: new URL(remote.url), fetch, timeoutMs: 10_000, clientInfo: { name: 'probe-test', version: '1' } });

    it(`server/discover → ${speaksModern}; session-less ping → ${servesLegacy}`, async () => {
      expect(await probeRemote('discover', options())).toEqual({ kind: 'era', era: speaksModern });
      expect(await probeRemote('serves-legacy', options())).toEqual({ kind: 'era', era: servesLegacy });
    });
  });
}
