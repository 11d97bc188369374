/**
 * Renders LoginProgressView live to a TTY stream (stderr — never a stream carrying JSON-RPC). Ink gets a
 * dummy stdin so it never touches the real one, which may carry JSON-RPC in bridge mode.
 */
import { PassThrough } from 'node:stream';
import { render } from 'ink';
import type { LoginProgressEvent } from '../oauth/flow/progress.js';
import { LoginProgressView } from './login-progress.js';

export interface LoginProgressRenderer {
  update(event: LoginProgressEvent): void;
  stop(): void;
}

export function renderLoginProgress(stream: NodeJS.WriteStream): LoginProgressRenderer {
  const events: LoginProgressEvent[] = [];
  const stdin = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.ReadStream;
  const app = render(<LoginProgressView events={[]} />, { stdout: stream, stderr: stream, stdin, exitOnCtrlC: false, patchConsole: false });
  return {
    update(event) {
      events.push(event);
      app.rerender(<LoginProgressView events={[...events]} />);
    },
    stop() {
      app.unmount();
    },
  };
}
