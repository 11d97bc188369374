import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FIXTURE, ROOT, waitFor } from './proxy-harness.js';

export const PROXY_BIN = fileURLToPath(new URL('../../bin/mcp-proxy.js', import.meta.url));

export interface ProxyBinary {
  proc: ChildProcessWithoutNullStreams;
  url: string;
  stderr: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM (a drain), a second SIGTERM after 2 s, SIGKILL after 12 s; resolves with the exit code. */
  stop: () => Promise<number | null>;
}

export interface BinaryRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcessWithoutNullStreams>();

/** Kills every binary this helper started that is still running (call from afterEach/afterAll). */
export function killProxyBinaries(): void {
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  running.clear();
}

/**
 * The environment a test gives the binary: the test runner's PATH and HOME and nothing of ours, so a
 * variable in the developer's shell cannot change what a test sees.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[k] !== undefined) base[k] = process.env[k]!;
  return { ...base, ...extra };
}

/** A `.js` file is run with this Node; anything else (an installed bin/ entry) is executed as the shell would. */
function spawnBinary(bin: string, args: readonly string[], env: Record<string, string>, cwd: string): ChildProcessWithoutNullStreams {
  const proc = bin.endsWith('.js')
    ? spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(bin, [...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  return proc;
}

/** Starts mcp-proxy as a user would (argv, environment, working directory) and waits for its URL. */
export async function startProxyBinary(args: readonly string[], options: { env?: Record<string, string>; cwd?: string; bin?: string; timeoutMs?: number } = {}): Promise<ProxyBinary> {
  const proc = spawnBinary(options.bin ?? PROXY_BIN, args, options.env ?? cleanEnv(), options.cwd ?? process.cwd());
  let err = '';
  proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const url = (): string | undefined => /"msg":"listening".*?"url":"([^"]+)"/.exec(err)?.[1] ?? /listening\s+url=(\S+)/.exec(err)?.[1];
  const ok = await waitFor(() => url() !== undefined || gone, options.timeoutMs ?? 20_000);
  if (!ok || url() === undefined) {
    proc.kill('SIGKILL');
    throw new Error(`mcp-proxy did not start (exit ${String(proc.exitCode)}): ${err}`);
  }
  return {
    proc,
    url: url()!,
    stderr: () => err,
    exited,
    // As an operator would: SIGTERM (a drain while sessions are open), a second SIGTERM after 2 s (end them now), SIGKILL as a last resort.
    stop: async () => {
      if (gone) return exited;
      proc.kill('SIGTERM');
      const again = setTimeout(() => !gone && proc.kill('SIGTERM'), 2_000);
      const kill = setTimeout(() => !gone && proc.kill('SIGKILL'), 12_000);
      const code = await exited;
      clearTimeout(again);
      clearTimeout(kill);
      return code;
    },
  };
}

/** Runs a binary to completion (bounded) and returns its exit code and output. */
export async function runBinary(args: readonly string[], options: { env?: Record<string, string>; cwd?: string; bin?: string; timeoutMs?: number } = {}): Promise<BinaryRun> {
  const proc = spawnBinary(options.bin ?? PROXY_BIN, args, options.env ?? cleanEnv(), options.cwd ?? process.cwd());
  proc.stdin.end();
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const code = await new Promise<number | null>((r) => proc.once('close', (c) => r(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** The binary on port 0 wrapping `child` (default: the 2025-era fixture), JSON logs, the test's own environment. */
export function startFixtureProxy(flags: string[] = [], child: string[] = [process.execPath, FIXTURE]): Promise<ProxyBinary> {
  return startProxyBinary(['--port', '0', '--kill-grace', '1', ...flags, '--', ...child], { env: { ...(process.env as Record<string, string>), MCP_PROXY_LOG_FORMAT: 'json' }, cwd: ROOT });
}
