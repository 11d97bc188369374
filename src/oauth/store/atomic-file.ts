/** Credential files: directory 0700, file 0600, written atomically (temp file, fsync, rename). */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { OAuthFlowError } from '../../shared/errors.js';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Creates `dir` (and parents) with mode 0700 and tightens it if it already existed more loosely. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    const info = await stat(dir);
    if ((info.mode & 0o077) !== 0) await chmod(dir, DIR_MODE);
  } catch (error) {
    throw new OAuthFlowError('STORE_IO', `cannot create the credentials directory ${dir}`, { cause: error });
  }
}

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = dirname(file);
  await ensurePrivateDir(dir);
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', FILE_MODE);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    await chmod(file, FILE_MODE);
    await syncDir(dir);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new OAuthFlowError('STORE_IO', `cannot write ${file}`, { cause: error });
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Directory fsync is not supported everywhere (e.g. some network filesystems); the rename already happened.
  }
}

/** Reads a file as UTF-8; undefined when it does not exist; STORE_IO naming the file otherwise. */
export async function readFileIfExists(file: string): Promise<string | undefined> {
  try {
    const handle = await open(file, 'r');
    try {
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OAuthFlowError('STORE_IO', `cannot read ${file}`, { cause: error });
  }
}
