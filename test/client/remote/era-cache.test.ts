/** The era cache: pure lookups (expiry, what one probe's "no" says about the other), and the file store. */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedEra, createFileEraCache, ERA_CACHE_TTL_MS, eraCacheKey, parseEraCache, type EraCacheEntry } from '../../../src/client/remote/era-cache.js';
import { watchFirstPost } from '../../../src/client/routes/era-bridge.js';
import { confirmedVerdict, servesLegacyVerdict } from '../../../src/client/remote/remote-era-probe.js';

const entry = (verdicts: EraCacheEntry['verdicts']): EraCacheEntry => ({ url: 'https://x/mcp', verdicts });

describe('cachedEra', () => {
  it('answers a probe from its own fresh verdict, and not after a day', () => {
    const e = entry({ 'serves-legacy': { era: 'legacy', at: 1_000 } });
    expect(cachedEra(e, 'serves-legacy', 1_000 + ERA_CACHE_TTL_MS - 1)).toBe('legacy');
    expect(cachedEra(e, 'serves-legacy', 1_000 + ERA_CACHE_TTL_MS)).toBeUndefined();
    expect(cachedEra(e, 'serves-legacy', 999)).toBeUndefined(); // clock went back: not trusted
    expect(cachedEra(undefined, 'discover', 0)).toBeUndefined();
  });
  it("one probe's no settles the other question; its yes does not", () => {
    expect(cachedEra(entry({ discover: { era: 'legacy', at: 0 } }), 'serves-legacy', 1)).toBe('legacy'); // 2025-only
    expect(cachedEra(entry({ discover: { era: 'modern', at: 0 } }), 'serves-legacy', 1)).toBeUndefined(); // dual or modern-only
    expect(cachedEra(entry({ 'serves-legacy': { era: 'modern', at: 0 } }), 'discover', 1)).toBe('modern'); // modern-only
    expect(cachedEra(entry({ 'serves-legacy': { era: 'legacy', at: 0 } }), 'discover', 1)).toBeUndefined(); // 2025 or dual
  });
  it('keys hash the whole URL (a query may carry a credential) and ignore the fragment', () => {
    expect(eraCacheKey(new URL('https://h/mcp?k=1#a'))).toBe(eraCacheKey(new URL('https://h/mcp?k=1')));
    expect(eraCacheKey(new URL('https://h/mcp?k=1'))).not.toBe(eraCacheKey(new URL('https://h/mcp?k=2')));
    expect(eraCacheKey(new URL('https://h/mcp?key=secret'))).not.toContain('secret');
  });
  it('a damaged file reads as empty; bad entries are dropped', () => {
    expect(parseEraCache('not json').servers).toEqual({});
    expect(parseEraCache('{"version":2,"servers":{}}').servers).toEqual({});
    const parsed = parseEraCache(JSON.stringify({ version: 1, servers: { a: { url: 'u', verdicts: { discover: { era: 'modern', at: 1 }, 'serves-legacy': { era: 'x', at: 1 } } }, b: { verdicts: {} } } }));
    expect(parsed.servers).toEqual({ a: { url: 'u', verdicts: { discover: { era: 'modern', at: 1 } } } });
  });
});

describe('serves-legacy verdict for 2026-07-28-only servers', () => {
  const notFound = { jsonrpc: '2.0', id: 'p', error: { code: -32601, message: 'Method not found' } };
  it('"method not found" for ping (HTTP 404 or in a 200 answer) is confirmed with server/discover', () => {
    expect(servesLegacyVerdict({ kind: 'http', status: 404, text: JSON.stringify(notFound) })).toEqual({ kind: 'confirm' });
    expect(servesLegacyVerdict({ kind: 'message', message: notFound as never })).toEqual({ kind: 'confirm' });
    expect(servesLegacyVerdict({ kind: 'http', status: 404, text: undefined })).toEqual({ kind: 'era', era: 'legacy' });
    expect(confirmedVerdict({ kind: 'era', era: 'modern' })).toEqual({ kind: 'era', era: 'modern' });
    expect(confirmedVerdict({ kind: 'era', era: 'legacy' })).toEqual({ kind: 'era', era: 'legacy' });
  });
});

describe('file era cache', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-era-cache-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  it('remembers per URL in a 0600 file without the query, forgets, and prunes expired entries', async () => {
    let now = 10_000;
    const cache = createFileEraCache({ configDir: join(dir, 'cfg'), now: () => now });
    const a = new URL('https://a.example/mcp?token=s3cret');
    const b = new URL('https://b.example/mcp');
    await cache.set(a, 'serves-legacy', 'legacy');
    await cache.set(b, 'discover', 'modern');
    expect(await cache.get(a, 'serves-legacy')).toBe('legacy');
    expect(await cache.get(a, 'discover')).toBeUndefined();
    const text = await readFile(cache.file, 'utf8');
    expect(text).not.toContain('s3cret');
    expect(text).toContain('https://a.example/mcp');
    expect((await stat(cache.file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'cfg'))).mode & 0o777).toBe(0o700);
    await cache.forget(a);
    expect(await cache.get(a, 'serves-legacy')).toBeUndefined();
    expect(await cache.get(b, 'discover')).toBe('modern');
    now += ERA_CACHE_TTL_MS;
    await cache.set(a, 'discover', 'legacy');
    expect(Object.values(parseEraCache(await readFile(cache.file, 'utf8')).servers).map((e) => e.url)).toEqual(['https://a.example/mcp']);
  });
  it('a damaged file is probed past and replaced', async () => {
    const cache = createFileEraCache({ configDir: dir });
    await writeFile(cache.file, '{oops');
    expect(await cache.get(new URL('https://c/mcp'), 'discover')).toBeUndefined();
    await cache.set(new URL('https://c/mcp'), 'discover', 'legacy');
    expect(await cache.get(new URL('https://c/mcp'), 'discover')).toBe('legacy');
  });
});

describe('watchFirstPost', () => {
  const answer = (status: number, body?: unknown): Response => new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const run = async (responses: Response[], method = 'POST'): Promise<number[]> => {
    const stale: number[] = [];
    const fetch = watchFirstPost(async () => responses.shift() as Response, (status) => stale.push(status));
    for (let i = 0; i < 2; i++) await fetch('http://x/mcp', { method });
    return stale;
  };
  it('flags only a JSON-RPC error in a 4xx (not 401/403, not a bare 404) to the first POST', async () => {
    const rpc = { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'Method not found' } };
    expect(await run([answer(404, rpc), answer(404, rpc)])).toEqual([404]);
    expect(await run([answer(400, { ...rpc, error: { code: -32022, message: 'x' } }), answer(200)])).toEqual([400]);
    expect(await run([answer(404), answer(404, rpc)])).toEqual([]);
    expect(await run([answer(401, rpc), answer(404, rpc)])).toEqual([]);
    expect(await run([answer(200), answer(404, rpc)])).toEqual([]);
    expect(await run([answer(404, rpc), answer(404, rpc)], 'GET')).toEqual([]);
  });
});
