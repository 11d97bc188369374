/** Runs the real mcp-client binary once (a shell command, not the bridge) and collects its output. */

import { spawn } from 'node:child_process';
import { baseEnv, CLIENT_BIN } from './client-bridge.js';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runClientOnce(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT_BIN, ...args], { env: baseEnv(options.env), cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mcp-client ${args.join(' ')} did not finish; stderr:\n${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
