/**
 * Cross-process lock on a file created with O_EXCL, so two mcp-client processes for one server share one
 * refresh and one login. Stale locks (holder dead, or older than `staleMs`) are broken safely: the stale file
 * is renamed aside and checked before removal, so a live lock taken meanwhile is put back, not deleted.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { OAuthFlowError } from '../../shared/errors.js';
import { ensurePrivateDir, FILE_MODE } from './atomic-file.js';

export interface LockOptions {
  path: string;
  /** Give up after this long (LOCK_TIMEOUT). */
  waitMs: number;
  /** A lock older than this is stale whatever its holder. */
  staleMs: number;
  now?: () => number;
  /** Is this pid alive on this host? Injected for tests. */
  isAlive?: (pid: number) => boolean;
  signal?: AbortSignal;
  /** Called once when the lock is found held, so the UI can say "waiting for another mcp-client". */
  onWait?: () => void;
}

interface LockRecord {
  pid: number;
  host: string;
  created: number;
  nonce: string;
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pure: is the lock described by `record` (or an unreadable one of age `ageMs`) stale? */
export function isLockStale(record: LockRecord | undefined, ageMs: number, staleMs: number, localHost: string, isAlive: (pid: number) => boolean): boolean {
  if (ageMs > staleMs) return true;
  if (!record) return ageMs > 2_000; // unreadable: maybe being written right now; give it a moment
  return record.host === localHost && !isAlive(record.pid);
}

function parseRecord(text: string): LockRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.created === 'number' && typeof value.nonce === 'string') {
      return value as LockRecord;
    }
  } catch {
    // fall through
  }
  return undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new OAuthFlowError('ABORTED', 'cancelled while waiting for the credentials lock'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new OAuthFlowError('ABORTED', 'cancelled while waiting for the credentials lock'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function tryCreate(path: string, record: LockRecord): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', FILE_MODE);
    try {
      await handle.writeFile(JSON.stringify(record));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new OAuthFlowError('STORE_IO', `cannot create lock file ${path}`, { cause: error });
  }
}

async function breakIfStale(options: LockOptions, now: number, isAlive: (pid: number) => boolean): Promise<void> {
  let text: string;
  let mtime: number;
  try {
    [text, mtime] = await Promise.all([readFile(options.path, 'utf8'), stat(options.path).then((s) => s.mtimeMs)]);
  } catch {
    return; // gone already
  }
  const record = parseRecord(text);
  const age = now - (record?.created ?? mtime);
  if (!isLockStale(record, age, options.staleMs, hostname(), isAlive)) return;
  const aside = `${options.path}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(options.path, aside);
  } catch {
    return; // someone else broke it first
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved !== text) {
    // We moved a fresh lock taken after our read: put it back unless yet another one exists.
    await link(aside, options.path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

/** Runs `fn` while holding the lock; always releases it (only if it is still ours). */
export async function withFileLock<T>(options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const now = options.now ?? Date.now;
  const isAlive = options.isAlive ?? processIsAlive;
  await ensurePrivateDir(dirname(options.path));
  const record: LockRecord = { pid: process.pid, host: hostname(), created: now(), nonce: randomBytes(12).toString('hex') };
  const deadline = Date.now() + options.waitMs;
  let delay = 25;
  let waited = false;
  for (;;) {
    record.created = now();
    if (await tryCreate(options.path, record)) break;
    await breakIfStale(options, now(), isAlive);
    if (Date.now() >= deadline) {
      throw new OAuthFlowError('LOCK_TIMEOUT', `another mcp-client holds ${options.path}; gave up after ${Math.round(options.waitMs / 1000)} s`);
    }
    if (!waited) {
      waited = true;
      options.onWait?.();
    }
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())), options.signal);
    delay = Math.min(delay * 2, 500);
  }
  try {
    return await fn();
  } finally {
    const current = parseRecord(await readFile(options.path, 'utf8').catch(() => ''));
    if (current?.nonce === record.nonce) await unlink(options.path).catch(() => undefined);
  }
}
