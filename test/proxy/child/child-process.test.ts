import { spawn as nodeSpawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ChildProcess, type ChildOptions } from '../../../src/proxy/child/child-process.js';
import { execaSpawn, type SpawnChild, type SpawnResult } from '../../../src/proxy/child/spawn.js';
import { silentLogger } from '../../../src/shared/logger.js';
import type { JsonRpcMessage } from '../../../src/shared/jsonrpc.js';

/** A tiny stdio peer: answers every request line with its id, prints a stderr line, exits 3 after answering "exit". */
const ECHO = `
process.stderr.write('echo child up\\n');
let buf = '';
process.stdin.on('data', (c) => {
  buf += c;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const m = JSON.parse(buf.slice(0, i));
    buf = buf.slice(i + 1);
    process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { echoed: m.method, env: process.env.SEAM_MARK ?? null } }) + '\\n', () => {
      if (m.method === 'exit') process.exit(3);
    });
  }
});
`;

/** A spawner that is not execa: node's own child_process, so the seam is proven to be the only way in. */
function nodeSpawner(calls: { command: string; args: readonly string[]; env: Record<string, string> }[]): SpawnChild {
  return (command, args, options) => {
    calls.push({ command, args, env: options.env });
    const child = nodeSpawn(command, [...args], { env: options.env, shell: options.shell, detached: options.detached, stdio: 'pipe', ...(options.cwd ? { cwd: options.cwd } : {}) });
    const ended = new Promise<SpawnResult>((resolve) => {
      child.once('error', (cause) => resolve({ failed: true, isTerminated: false, cause, shortMessage: cause.message }));
      child.once('close', (code, signal) =>
        resolve({ ...(code !== null ? { exitCode: code } : {}), ...(signal ? { signal } : {}), failed: code !== 0, isTerminated: signal !== null }));
    });
    return Object.assign(ended, { pid: child.pid, stdin: child.stdin, stdout: child.stdout, stderr: child.stderr });
  };
}

function options(spawn: SpawnChild): ChildOptions {
  return {
    command: process.execPath, args: ['-e', ECHO], env: { SEAM_MARK: 'through-the-seam' }, passEnv: false, baseEnv: { PATH: process.env.PATH },
    shell: false, maxLineBytes: 64 * 1024, killGraceMs: 3_000, logger: silentLogger, spawn,
  };
}

function nextMessage(child: ChildProcess): Promise<JsonRpcMessage> {
  return new Promise((resolve) => (child.onmessage = resolve));
}

describe('the child spawn seam', () => {
  it('starts the child through the injected spawner and relays its lines both ways', { timeout: 20_000 }, async () => {
    const calls: { command: string; args: readonly string[]; env: Record<string, string> }[] = [];
    const child = new ChildProcess(options(nodeSpawner(calls)));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.command).toBe(process.execPath);
    // The environment is built by ChildProcess (pass-env off: the essentials plus --env), not by the spawner.
    expect(calls[0]!.env).toEqual({ PATH: process.env.PATH, SEAM_MARK: 'through-the-seam' });
    const answer = nextMessage(child);
    expect(child.send({ jsonrpc: '2.0', id: 7, method: 'tools/list' })).toBe(true);
    expect(await answer).toEqual({ jsonrpc: '2.0', id: 7, result: { echoed: 'tools/list', env: 'through-the-seam' } });
    child.send({ jsonrpc: '2.0', id: 8, method: 'exit' });
    const exit = await child.exited;
    expect(exit.code).toBe(3);
    expect(exit.stderrTail).toContain('echo child up');
    expect(exit.spawnError).toBeUndefined();
    expect(child.alive).toBe(false);
  });

  it('reports a spawner that throws as CHILD_SPAWN_FAILED, without a process', async () => {
    const child = new ChildProcess(options(() => {
      throw new Error('no such command');
    }));
    const exit = await child.exited;
    expect(exit.spawnError?.code).toBe('CHILD_SPAWN_FAILED');
    expect(child.send({ jsonrpc: '2.0', id: 1, method: 'ping' })).toBe(false);
  });

  it('defaults to execa', { timeout: 20_000 }, async () => {
    const opts = options(execaSpawn);
    delete opts.spawn;
    const child = new ChildProcess(opts);
    const answer = nextMessage(child);
    child.send({ jsonrpc: '2.0', id: 'a', method: 'ping' });
    expect(await answer).toMatchObject({ id: 'a', result: { echoed: 'ping' } });
    // stop() ends it through its process group: SIGTERM (or its own exit, had it been quicker).
    const exit = await child.stop();
    expect(exit.signal === 'SIGTERM' || exit.code !== null).toBe(true);
    expect(child.alive).toBe(false);
  });

  it('sendLine writes the given JSON text as it is, and serializes the message when the text holds a line break', { timeout: 20_000 }, async () => {
    const child = new ChildProcess(options(execaSpawn));
    // The text differs from the message on purpose, to see which one was written.
    let answer = nextMessage(child);
    expect(child.sendLine({ jsonrpc: '2.0', id: 10, method: 'from-message' }, '{"jsonrpc":"2.0","id":10,"method":"from-text"}')).toBe(true);
    expect(await answer).toMatchObject({ id: 10, result: { echoed: 'from-text' } });
    // A pretty-printed body would be two lines on the pipe: the message goes instead, as one line.
    answer = nextMessage(child);
    child.sendLine({ jsonrpc: '2.0', id: 11, method: 'from-message' }, '{\n  "jsonrpc": "2.0",\r\n  "id": 11, "method": "from-text"\n}');
    expect(await answer).toMatchObject({ id: 11, result: { echoed: 'from-message' } });
    await child.stop();
  });
});

