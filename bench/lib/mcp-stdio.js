// The stdio floor: the echo server spawned directly, newline-delimited JSON on its pipes, no relay.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { INITIALIZE, INITIALIZED } from './mcp-http.js';


/** @type {Set<import('node:child_process').ChildProcess>} */
const live = new Set();

/** SIGKILLs every stdio child still running (on an aborted run). */
export function killStdioChildren() {
  for (const proc of live) proc.kill('SIGKILL');
}

/** One child speaking MCP over its stdio. */
export class StdioSession {
  #nextId = 1;
  /** @type {Map<number, { resolve: (m: any) => void, reject: (e: Error) => void }>} */
  #pending = new Map();
  #buffer = '';
  #stderr = '';

  /**
   * @param {string} command
   * @param {string[]} args
   */
  constructor(command, args) {
    this.proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (chunk) => this.#onData(chunk));
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (chunk) => {
      this.#stderr = (this.#stderr + chunk).slice(-2000);
    });
    this.proc.stdin.on('error', () => undefined);
    live.add(this.proc);
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => {
      live.delete(this.proc);
      resolve(code);
    }));
    void this.exited.then((code) => this.#failAll(new Error(`echo child exited (${code}): ${this.#stderr}`)));
  }

  /** @returns {number} */
  get pid() {
    return /** @type {number} */ (this.proc.pid);
  }

  /** @param {string} chunk */
  #onData(chunk) {
    this.#buffer += chunk;
    let nl;
    while ((nl = this.#buffer.indexOf('\n')) !== -1) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      if (line.trim() === '') continue;
      const message = JSON.parse(line);
      const waiter = this.#pending.get(message.id);
      if (waiter) {
        this.#pending.delete(message.id);
        waiter.resolve(message);
      }
    }
  }

  /** @param {Error} error */
  #failAll(error) {
    for (const waiter of this.#pending.values()) waiter.reject(error);
    this.#pending.clear();
  }

  /**
   * @param {number} id
   * @param {string} line
   * @returns {Promise<any>}
   */
  #request(id, line) {
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.proc.stdin.write(`${line}\n`);
    });
  }

  /** Handshake; resolves when the initialize answer arrives. */
  async initialize() {
    const reply = await this.#request(0, INITIALIZE);
    if (!reply.result) throw new Error(`initialize failed: ${JSON.stringify(reply).slice(0, 300)}`);
    this.proc.stdin.write(`${INITIALIZED}\n`);
  }

  /** @param {string} message */
  async callEcho(message) {
    const id = this.#nextId++;
    const reply = await this.#request(id, `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"message":${JSON.stringify(message)}}}}`);
    if (reply.result?.content?.[0]?.text !== message) throw new Error(`tools/call: unexpected answer ${JSON.stringify(reply).slice(0, 300)}`);
  }

  /** Closes stdin (the server exits), SIGKILL after a second. */
  async close() {
    this.proc.stdin.end();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 1_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Spawns the server and completes the handshake, timing spawn → initialize answer.
 * @param {string} command
 * @param {string[]} args
 * @returns {Promise<{ session: StdioSession, initMs: number, readyMs: number }>}
 */
export async function openStdioSession(command, args) {
  const t0 = performance.now();
  const session = new StdioSession(command, args);
  await session.initialize();
  const ms = performance.now() - t0;
  return { session, initMs: ms, readyMs: ms };
}
