import { ProxyError } from '../../shared/errors.js';
import { randomUUID } from 'node:crypto';
import { isMessage, isResponse, type JsonRpcMessage } from '../../shared/jsonrpc.js';
import { LineFramer } from '../../shared/line-framer.js';
import type { Logger } from '../../shared/logger.js';
import type { Link } from '../../relay/link.js';
import { killProcessGroup } from './process-group.js';
import { execaSpawn, type SpawnChild, type SpawnedChild } from './spawn.js';

export interface ChildCommand {
  command: string;
  args: readonly string[];
  /** Extra variables, applied over the inherited environment (or alone, without pass-env). */
  env: Record<string, string>;
  /** Inherit the proxy's environment. */
  passEnv: boolean;
  /** The proxy's environment as read by the CLI layer (only used when passEnv). */
  baseEnv: Record<string, string | undefined>;
  cwd?: string;
  shell: boolean;
  /** Observes the bytes written to the child's stdin and read from its stdout (metrics). */
  onTraffic?: (direction: 'to_child' | 'to_client', bytes: number) => void;
  /** Starts the process (the I/O seam of DESIGN §3); default execa. */
  spawn?: SpawnChild;
}

export interface ChildOptions extends ChildCommand {
  maxLineBytes: number;
  killGraceMs: number;
  logger: Logger;
  stderrTailLines?: number;
}

export interface ChildExit {
  code: number | null;
  signal: string | null;
  stderrTail: string[];
  /** Set when the child could not be started at all. */
  spawnError?: ProxyError;
}

/** Minimal environment for a child that does not inherit ours: enough to find and run an interpreter. */
const ESSENTIAL_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'TMPDIR', 'LANG', 'SYSTEMROOT', 'NODE_EXTRA_CA_CERTS'];

function childEnv(cmd: ChildCommand): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(cmd.baseEnv)) {
    if (v === undefined) continue;
    if (cmd.passEnv || ESSENTIAL_ENV.includes(k)) out[k] = v;
  }
  return { ...out, ...cmd.env };
}

/**
 * One stdio MCP server process, as a peer `Link`: speaks newline-delimited JSON on its pipes, lives
 * in its own process group so its whole tree can be ended, and reports its exit once with the last
 * stderr lines (`exited`, and `onclose` when one is set by then).
 */
export class ChildProcess implements Link<ChildExit> {
  /** `line`: the stdout line the message was parsed from, when it held this one message (not a batch). */
  onmessage?: (message: JsonRpcMessage, line?: string) => void;
  onclose?: (exit: ChildExit) => void;
  readonly exited: Promise<ChildExit>;
  #proc: SpawnedChild | undefined;
  #alive = true;
  #stderrTail: string[] = [];
  /** The warm-up ping in flight (`warmUp`): its answer is the proxy's own and reaches no session. */
  #warmUp: { id: string; answered: () => void } | undefined;
  readonly #opts: ChildOptions;
  #log: Logger;

  constructor(opts: ChildOptions) {
    this.#opts = opts;
    this.#log = opts.logger;
    let resolveExit!: (e: ChildExit) => void;
    this.exited = new Promise((r) => (resolveExit = r));
    void this.exited.then((exit) => this.onclose?.(exit));
    try {
      const spawn = opts.spawn ?? execaSpawn;
      this.#proc = spawn(opts.command, opts.args, { env: childEnv(opts), shell: opts.shell, detached: true, ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}) });
    } catch (cause) {
      this.#alive = false;
      const spawnError = new ProxyError('CHILD_SPAWN_FAILED', `could not start ${opts.command}`, { cause });
      resolveExit({ code: null, signal: null, stderrTail: [], spawnError });
      return;
    }
    const proc: SpawnedChild = this.#proc;
    const framer = new LineFramer({
      maxLineBytes: opts.maxLineBytes,
      onLine: (line) => this.#onStdoutLine(line),
      onOversize: (bytes) => this.#log.error('child stdout line over the size cap dropped', { bytes, maxLineBytes: opts.maxLineBytes }),
      jsonOnly: true,
      onNonJson: (prefix, bytes) => this.#log.warn('non-JSON line on child stdout dropped', { line: prefix, bytes }),
    });
    const traffic = opts.onTraffic;
    if (traffic) proc.stdout.on('data', (chunk: Buffer) => traffic('to_client', chunk.length));
    proc.stdout.on('data', (chunk: Buffer) => framer.push(chunk));
    proc.stdout.on('end', () => framer.end());
    const errFramer = new LineFramer({
      maxLineBytes: 64 * 1024,
      onLine: (line) => this.#onStderrLine(line),
      onOversize: (bytes) => this.#onStderrLine(`[${bytes} bytes of stderr without newline]`),
    });
    proc.stderr.on('data', (chunk: Buffer) => errFramer.push(chunk));
    proc.stderr.on('end', () => errFramer.end());
    // A write after the child died raises EPIPE on stdin; the exit path reports the death.
    proc.stdin.on('error', (error) => this.#log.debug('child stdin error', { error }));
    void proc.then((result) => {
      this.#alive = false;
      const spawnError = result.failed && result.exitCode === undefined && !result.signal && !result.isTerminated
        ? new ProxyError('CHILD_SPAWN_FAILED', `could not start ${opts.command}: ${result.shortMessage}`, { cause: result.cause })
        : undefined;
      // The leader is gone; end any grandchildren it left in its group.
      if (proc.pid !== undefined) killProcessGroup(proc.pid, 'SIGKILL');
      resolveExit({
        code: result.exitCode ?? null,
        signal: result.signal ?? null,
        stderrTail: this.#stderrTail,
        ...(spawnError ? { spawnError } : {}),
      });
    });
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  /** A prewarmed child joins a session: its log lines carry the session's bindings from now on. */
  useLogger(logger: Logger): void {
    this.#log = logger;
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Writes one message (a child has one stream: no route); returns false if the child is gone. */
  send(message: JsonRpcMessage): boolean {
    return this.#write(`${JSON.stringify(message)}\n`);
  }

  /**
   * Writes one message given with its JSON text (`json`, as a client sent it): the text as it is when it
   * holds no line break (stdio framing: one message per line, none inside), else the message serialized.
   */
  sendLine(message: JsonRpcMessage, json: string): boolean {
    return json.includes('\n') || json.includes('\r') ? this.send(message) : this.#write(`${json}\n`);
  }

  #write(line: string): boolean {
    const stdin = this.#proc?.stdin;
    if (!this.#alive || !stdin || stdin.destroyed) return false;
    stdin.write(line);
    this.#opts.onTraffic?.('to_child', Buffer.byteLength(line));
    return true;
  }

  /**
   * Sends the one request the lifecycle allows before `initialize`, a `ping`, and resolves true once the
   * server answered it (a result or an error), false after `timeoutMs` or when the child is gone. A
   * node server's first request runs cold code (its transport, framing and schema paths); the ping pays
   * that while the child waits in the pool, not inside a client's `initialize`. The answer is consumed
   * here even when it arrives after the child joined a session (its id is the proxy's own, random).
   */
  warmUp(timeoutMs: number): Promise<boolean> {
    if (this.#warmUp !== undefined) return Promise.resolve(false);
    return new Promise((resolve) => {
      const id = `mcp-proxy-warm-up-${randomUUID()}`;
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      this.#warmUp = {
        id,
        answered: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve(false);
      });
      if (!this.send({ jsonrpc: '2.0', id, method: 'ping' })) resolve(false);
    });
  }

  /** The Link's close: ends the child's process tree (see `stop`). */
  close(): Promise<ChildExit> {
    return this.stop();
  }

  /** Ends the child's whole process tree: close stdin and SIGTERM the group, SIGKILL after the grace period. */
  async stop(): Promise<ChildExit> {
    const proc = this.#proc;
    if (proc && this.#alive && proc.pid !== undefined) {
      const pid = proc.pid;
      proc.stdin.end();
      killProcessGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killProcessGroup(pid, 'SIGKILL'), this.#opts.killGraceMs);
      timer.unref();
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }

  #onStdoutLine(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.#log.warn('non-JSON line on child stdout dropped', { line: line.slice(0, 200) });
      return;
    }
    if (!Array.isArray(parsed)) {
      if (this.#warmUp !== undefined && isResponse(parsed) && parsed.id === this.#warmUp.id) {
        this.#warmUp.answered();
        this.#warmUp = undefined;
        return;
      }
      if (isMessage(parsed)) this.onmessage?.(parsed, line);
      else this.#log.warn('non-JSON-RPC value on child stdout dropped', { line: line.slice(0, 200) });
      return;
    }
    for (const m of parsed) {
      if (isMessage(m)) this.onmessage?.(m);
      else this.#log.warn('non-JSON-RPC value on child stdout dropped', { line: line.slice(0, 200) });
    }
  }

  #onStderrLine(line: string): void {
    const max = this.#opts.stderrTailLines ?? 20;
    this.#stderrTail.push(line);
    if (this.#stderrTail.length > max) this.#stderrTail.shift();
    this.#log.info('child stderr', { stderr: line });
  }
}
