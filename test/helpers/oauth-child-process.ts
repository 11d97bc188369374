/**
 * Runs test/fixtures/oauth-client-process.ts as a real node process. The fixture is bundled from the current
 * sources with rolldown (vitest's own bundler) so the test never runs a stale dist/.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { rolldown } from 'rolldown';

const root = fileURLToPath(new URL('../..', import.meta.url));

export async function bundleClientProcess(): Promise<string> {
  const outDir = join(root, 'node_modules', '.cache', 'mcp-bridge-oauth-tests');
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `oauth-client-process-${process.pid}.mjs`);
  const bundle = await rolldown({
    input: join(root, 'test', 'fixtures', 'oauth-client-process.ts'),
    platform: 'node',
    external: (id) => !id.startsWith('.') && !id.startsWith('/') && !/^[A-Za-z]:/.test(id),
    logLevel: 'silent',
  });
  await bundle.write({ file, format: 'esm' });
  await bundle.close();
  return file;
}

export interface ChildResult {
  summary: { text?: string; browserOpened?: number; error?: string; code?: string };
  stderr: string;
  exitCode: number | undefined;
  pid: number | undefined;
}

export async function runClientProcess(file: string, args: string[]): Promise<ChildResult> {
  const subprocess = execa('node', [file, ...args], { reject: false, timeout: 40_000, forceKillAfterDelay: 2_000, cwd: root });
  const pid = subprocess.pid;
  const result = await subprocess;
  const last = result.stdout.trim().split('\n').at(-1) ?? '{}';
  let summary: ChildResult['summary'];
  try {
    summary = JSON.parse(last) as ChildResult['summary'];
  } catch {
    summary = { error: `unparseable output: ${last}` };
  }
  return { summary, stderr: result.stderr, exitCode: result.exitCode, pid };
}
