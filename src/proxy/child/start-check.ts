import { ProxyError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { ChildProcess, type ChildOptions } from './child-process.js';
import { describeStartFailure } from './start-failure.js';

/**
 * Runs the server command once before the proxy listens and watches it for `windowMs` without sending it
 * anything (many stdio servers exit on a request before `initialize`). A command that cannot be spawned,
 * or that exits within the window, fails the start with CHILD_START_FAILED; otherwise the trial child is
 * ended and the proxy starts. A slow server that is still starting passes: only an early exit fails.
 */
export async function checkChildStarts(child: Omit<ChildOptions, 'logger'>, windowMs: number, logger: Logger, signal?: AbortSignal): Promise<void> {
  if (windowMs <= 0) return;
  const trial = new ChildProcess({ ...child, logger: logger.child({ startCheck: true }) });
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await new Promise<'running' | 'exited'>((resolve) => {
      timer = setTimeout(() => resolve('running'), windowMs);
      signal?.addEventListener('abort', () => resolve('running'), { once: true });
      void trial.exited.then(() => resolve('exited'));
    });
    if (outcome === 'exited') {
      const exit = await trial.exited;
      throw new ProxyError('CHILD_START_FAILED', describeStartFailure({ command: child.command, args: child.args, shell: child.shell, ...(child.cwd ? { cwd: child.cwd } : {}), exit }));
    }
  } finally {
    clearTimeout(timer);
    await trial.stop();
  }
}
