/**
 * The remote-era cache: what `--protocol auto` learned about a server, kept per server URL in the config
 * directory (`era-cache.json`, mode 0600, written atomically) so a known server is not probed on every
 * connect. A verdict expires after a day (an upgraded 2025 server still answers `initialize`, so a stale
 * "legacy" would otherwise stick). When a cached verdict stops working, the caller forgets it and the
 * next connect probes again. Server URLs are stored hashed (a query string may carry a credential), with
 * origin + path beside them for people. The cache is an optimisation: read and write failures are logged
 * and otherwise ignored.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { readFileIfExists, writeFileAtomic } from '../../oauth/store/atomic-file.js';
import type { Era, RemoteProbe } from '../routes/era-route.js';

export const ERA_CACHE_FILE = 'era-cache.json';
export const ERA_CACHE_TTL_MS = 24 * 60 * 60 * 1000;

export interface CachedVerdict {
  era: Era;
  /** Epoch ms when the probe gave it. */
  at: number;
}

export interface EraCacheEntry {
  url: string;
  verdicts: Partial<Record<RemoteProbe, CachedVerdict>>;
}

interface EraCacheFile {
  version: 1;
  servers: Record<string, EraCacheEntry>;
}

export interface EraCache {
  /** The cached answer to `probe` for this server, if fresh. */
  get(url: URL, probe: RemoteProbe): Promise<Era | undefined>;
  set(url: URL, probe: RemoteProbe, era: Era): Promise<void>;
  /** Drops everything known about this server (a cached answer stopped working). */
  forget(url: URL): Promise<void>;
}

function fresh(verdict: CachedVerdict | undefined, now: number, ttlMs: number): Era | undefined {
  return verdict && now >= verdict.at && now - verdict.at < ttlMs ? verdict.era : undefined;
}

/**
 * Pure: the answer to `probe` from what is cached. Besides the direct answer, each probe's "no" settles the
 * other question: a server that does not speak 2026-07-28 serves 2025 requests, and one that does not serve
 * 2025 requests is 2026-07-28-only.
 */
export function cachedEra(entry: EraCacheEntry | undefined, probe: RemoteProbe, now: number, ttlMs = ERA_CACHE_TTL_MS): Era | undefined {
  if (!entry) return undefined;
  const direct = fresh(entry.verdicts[probe], now, ttlMs);
  if (direct) return direct;
  if (probe === 'discover') return fresh(entry.verdicts['serves-legacy'], now, ttlMs) === 'modern' ? 'modern' : undefined;
  return fresh(entry.verdicts.discover, now, ttlMs) === 'legacy' ? 'legacy' : undefined;
}

/** The key a server is stored under: a hash of its URL without fragment. */
export function eraCacheKey(url: URL): string {
  const canonical = new URL(url.href);
  canonical.hash = '';
  return createHash('sha256').update(canonical.href).digest('hex').slice(0, 32);
}

function isEra(value: unknown): value is Era {
  return value === 'legacy' || value === 'modern';
}

/** Pure: the parsed file, keeping only well-formed entries (anything else reads as empty). */
export function parseEraCache(text: string | undefined): EraCacheFile {
  const empty: EraCacheFile = { version: 1, servers: {} };
  if (!text) return empty;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return empty;
  }
  if (typeof raw !== 'object' || raw === null || (raw as { version?: unknown }).version !== 1) return empty;
  const servers = (raw as { servers?: unknown }).servers;
  if (typeof servers !== 'object' || servers === null) return empty;
  for (const [key, value] of Object.entries(servers as Record<string, unknown>)) {
    const entry = value as Partial<EraCacheEntry> | null;
    if (typeof entry?.url !== 'string' || typeof entry.verdicts !== 'object' || entry.verdicts === null) continue;
    const verdicts: EraCacheEntry['verdicts'] = {};
    for (const probe of ['discover', 'serves-legacy'] as const) {
      const v = entry.verdicts[probe];
      if (v && isEra(v.era) && typeof v.at === 'number') verdicts[probe] = { era: v.era, at: v.at };
    }
    empty.servers[key] = { url: entry.url, verdicts };
  }
  return empty;
}

export interface FileEraCacheOptions {
  configDir: string;
  now?: () => number;
  ttlMs?: number;
  logger?: Logger;
}

export function createFileEraCache(options: FileEraCacheOptions): EraCache & { readonly file: string } {
  const file = join(options.configDir, ERA_CACHE_FILE);
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? ERA_CACHE_TTL_MS;
  const log = options.logger ?? silentLogger;
  const load = async (): Promise<EraCacheFile> => {
    try {
      return parseEraCache(await readFileIfExists(file));
    } catch (error) {
      log.debug('era cache unreadable; probing', { file, error });
      return { version: 1, servers: {} };
    }
  };
  const update = async (fn: (data: EraCacheFile) => void): Promise<void> => {
    const data = await load();
    fn(data);
    const at = now();
    for (const [key, entry] of Object.entries(data.servers)) {
      const live = Object.values(entry.verdicts).some((v) => v && at - v.at < ttlMs);
      if (!live) delete data.servers[key];
    }
    try {
      await writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`);
    } catch (error) {
      log.debug('could not write the era cache', { file, error });
    }
  };
  return {
    file,
    async get(url, probe) {
      return cachedEra((await load()).servers[eraCacheKey(url)], probe, now(), ttlMs);
    },
    set(url, probe, era) {
      return update((data) => {
        const key = eraCacheKey(url);
        const entry = data.servers[key] ?? { url: `${url.origin}${url.pathname}`, verdicts: {} };
        entry.verdicts[probe] = { era, at: now() };
        data.servers[key] = entry;
      });
    },
    forget(url) {
      return update((data) => {
        delete data.servers[eraCacheKey(url)];
      });
    },
  };
}
