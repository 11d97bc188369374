/**
 * Runs the real mcp-client binary with --no-browser and plays the person at the browser: every sign-in URL
 * the binary logs to stderr is opened in the headless test browser. Bounded; the child is killed on timeout.
 */
import { spawn } from 'node:child_process';
import type { Readable, Stream } from 'node:stream';
import { baseEnv, CLIENT_BIN } from './client-bridge.js';
import { createHeadlessBrowser } from './oauth-browser.js';

export interface SignInRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Sign-in URLs the binary printed (each opened once). */
  signIns: string[];
  pid: number | undefined;
}

/** Opens each sign-in URL that appears in a chunk of stderr; returns the URLs found. */
export function watchSignIns(stream: Pick<Readable, 'on'> | Stream | null | undefined, onUrl: (url: string) => void): () => string {
  let stderr = '';
  let scanned = 0;
  stream?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
    const lines = stderr.slice(scanned).split('\n');
    const complete = lines.slice(0, -1);
    scanned += complete.reduce((n, l) => n + l.length + 1, 0);
    for (const line of complete) {
      if (!line.includes('sign-in needed')) continue;
      try {
        const url = (JSON.parse(line) as { url?: string }).url;
        if (url) onUrl(url);
      } catch {
        // not a JSON log line
      }
    }
  });
  return () => stderr;
}

export function runClientWithBrowser(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<SignInRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT_BIN, '--no-browser', ...args], { env: baseEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    const signIns: string[] = [];
    const browser = createHeadlessBrowser();
    const opening: Promise<void>[] = [];
    const stderr = watchSignIns(child.stderr, (url) => {
      signIns.push(url);
      opening.push(browser.open(url).catch(() => undefined));
    });
    let stdout = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mcp-client ${args.join(' ')} did not finish; stderr:\n${stderr()}`));
    }, options.timeoutMs ?? 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      void Promise.all(opening).then(() => resolve({ code, stdout, stderr: stderr(), signIns, pid: child.pid }));
    });
  });
}
