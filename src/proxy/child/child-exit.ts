import type { ChildExit } from './child-process.js';

/** One line saying how a child ended, with the last stderr lines: what the caller of a failed request sees. */
export function describeExit(command: string, exit: ChildExit): string {
  if (exit.spawnError) return `MCP server could not be started: ${exit.spawnError.message}`;
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? 'unknown'}`;
  const tail = exit.stderrTail.slice(-5).join(' | ');
  return `MCP server process (${command}) ${how}${tail ? `; last stderr: ${tail}` : ''}`;
}

export function exitErrorData(exit: ChildExit): Record<string, unknown> {
  return { exitCode: exit.code, signal: exit.signal, stderr: exit.stderrTail.slice(-20) };
}
