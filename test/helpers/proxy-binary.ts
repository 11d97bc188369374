/** Starts the real mcp-proxy binary on port 0 around the legacy fixture; the URL comes from its 'listening' log line. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { FIXTURE, ROOT, waitFor } from './proxy-harness.js';

export interface ProxyBinary {
  url: string;
  stderr(): string;
  close(): Promise<void>;
}

export async function startProxyBinary(extra: string[]): Promise<ProxyBinary> {
  const proc: ChildProcessWithoutNullStreams = spawn(process.execPath, [`${ROOT}bin/mcp-proxy.js`, '--port', '0', '--kill-grace', '1', ...extra, '--', process.execPath, FIXTURE], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
  });
  let err = '';
  proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
  };
  if (!(await waitFor(() => /"msg":"listening"/.test(err), 15_000))) {
    await close();
    throw new Error(`mcp-proxy did not start: ${err}`);
  }
  return { url: /"url":"([^"]+)"/.exec(err)![1]!, stderr: () => err, close };
}
