import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';

/** What the spawner is told: the child's environment is complete (nothing is inherited besides it). */
export interface SpawnOptions {
  env: Record<string, string>;
  cwd?: string;
  shell: boolean;
  /** The child leads its own process group, so its whole tree can be ended (process-group.ts). */
  detached: true;
}

/** How a spawned child ended, as ChildProcess reads it (execa's Result has these fields). */
export interface SpawnResult {
  exitCode?: number;
  signal?: string;
  /** True when the process could not run, was killed, or exited non-zero. */
  failed: boolean;
  isTerminated: boolean;
  shortMessage?: string;
  cause?: unknown;
}

/** A started child: three pipes and a pid, settling (never rejecting) once it has ended. */
export interface SpawnedChild extends PromiseLike<SpawnResult> {
  pid?: number;
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
}

/** The I/O seam for starting a child (DESIGN §3). It may throw when the command cannot be started at all. */
export type SpawnChild = (command: string, args: readonly string[], options: SpawnOptions) => SpawnedChild;

/** The real spawner: execa, pipes on, raw bytes, never rejecting, killed with the proxy. */
export const execaSpawn: SpawnChild = (command, args, options) =>
  execa(command, [...args], {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    detached: options.detached,
    cleanup: true,
    shell: options.shell,
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    encoding: 'buffer',
  }) as unknown as SpawnedChild;
