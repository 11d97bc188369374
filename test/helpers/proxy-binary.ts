import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { FIXTURE, ROOT, waitFor } from './proxy-harness.js';

export const PROXY_BIN = `${ROOT}bin/mcp-proxy.js`;

export interface ProxyBinary {
  proc: ChildProcessWithoutNullStreams;
  url: string;
  stderr: () => string;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s; resolves with the exit code. */
  stop: () => Promise<number | null>;
}

/**
 * The built mcp-proxy binary (`npm run build` first) on port 0 wrapping `child` (default: the 2025-era
 * fixture), with JSON logs; its URL is read from the `listening` log line on stderr.
 */
export async function startProxyBinary(flags: string[] = [], child: string[] = [process.execPath, FIXTURE]): Promise<ProxyBinary> {
  const proc = spawn(process.execPath, [PROXY_BIN, '--port', '0', '--kill-grace', '1', ...flags, '--', ...child], {
    cwd: ROOT,
    env: { ...process.env, MCP_PROXY_LOG_FORMAT: 'json' },
  });
  let err = '';
  proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  if (!(await waitFor(() => /"msg":"listening"/.test(err), 10_000))) {
    await stop();
    throw new Error(`mcp-proxy did not start: ${err}`);
  }
  const url = /"url":"([^"]+)"/.exec(err)![1]!;
  return { proc, url, stderr: () => err, stop };
}
