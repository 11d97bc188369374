import { errnoOf } from '../../shared/errors.js';
import type { ChildExit } from './child-process.js';

/** What the start-up check saw of the trial child, with the command it ran. */
export interface StartAttempt {
  command: string;
  args: readonly string[];
  shell: boolean;
  cwd?: string;
  exit: ChildExit;
}

const ERRNO_MEANING: Record<string, string> = {
  ENOENT: 'was not found',
  EACCES: 'is not executable (permission denied)',
  ENOTDIR: 'is not a directory path',
  EISDIR: 'is a directory',
};

/**
 * One line that tells an operator why the server command cannot serve sessions: the command, the errno
 * or exit status, the child's last stderr lines, and a hint when a whole command line was given as one
 * argument. Pure: unit-tested.
 */
export function describeStartFailure(a: StartAttempt): string {
  const shown = JSON.stringify([a.command, ...a.args].join(' '));
  const parts: string[] = [];
  if (a.exit.spawnError) {
    const errno = errnoOf(a.exit.spawnError);
    const meaning = errno ? ERRNO_MEANING[errno] ?? 'could not be started' : 'could not be started';
    const where = a.cwd ? ` (working directory ${JSON.stringify(a.cwd)})` : '';
    parts.push(`the server command ${JSON.stringify(a.command)} ${meaning}${errno ? ` (${errno})` : ''}${where}`);
  } else if (a.exit.signal) {
    parts.push(`the server command ${shown} was killed by ${a.exit.signal} right after it started`);
  } else {
    parts.push(`the server command ${shown} exited right after it started, with code ${a.exit.code ?? 'unknown'}`);
  }
  const tail = a.exit.stderrTail.slice(-5).map((l) => l.trim()).filter(Boolean);
  if (tail.length > 0) parts.push(`its last stderr lines: ${tail.map((l) => JSON.stringify(l.slice(0, 300))).join(' | ')}`);
  if (!a.shell && a.args.length === 0 && /\s/.test(a.command.trim())) {
    const words = a.command.trim().split(/\s+/);
    parts.push(`the whole command is one argument: split it (mcp-proxy -- ${words.join(' ')}) or add --shell`);
  }
  return parts.join('; ');
}
