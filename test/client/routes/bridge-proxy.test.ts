/**
 * The two binaries together: mcp-client bridging to a real mcp-proxy (spawned on port 0) that wraps
 * server-everything or the project's legacy fixture server.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { baseEnv, isAlive, startBridge, type BridgeHarness } from '../../helpers/client-bridge.js';

const PROXY_BIN = fileURLToPath(new URL('../../../bin/mcp-proxy.js', import.meta.url));
const EVERYTHING = fileURLToPath(new URL('../../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));
const LEGACY = fileURLToPath(new URL('../../fixtures/legacy-server.mjs', import.meta.url));

interface RunningProxy {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

async function startProxy(command: string[], port = 0): Promise<RunningProxy> {
  const child = spawn(process.execPath, [PROXY_BIN, '--port', String(port), '--kill-grace', '1', '--', ...command], { env: baseEnv({ MCP_PROXY_LOG_LEVEL: 'info' }), stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mcp-proxy did not start:\n${stderr}`)), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = /"msg":"listening","url":"([^"]+)"/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`mcp-proxy exited with ${code}:\n${stderr}`)));
  });
  return {
    child,
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 8_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function proxy(command: string[], port = 0): Promise<RunningProxy> {
  const p = await startProxy(command, port);
  cleanups.push(() => p.stop());
  return p;
}

async function bridge(url: string): Promise<BridgeHarness> {
  const h = await startBridge({ args: [url], env: { MCP_CLIENT_LOG_LEVEL: 'info' }, onSampling: () => 'from the local client' });
  cleanups.push(async () => {
    const pid = h.pid();
    await h.close();
    await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false);
  });
  return h;
}

describe('mcp-client → mcp-proxy', () => {
  it('relays to server-everything behind mcp-proxy', async () => {
    const p = await proxy([process.execPath, EVERYTHING, 'stdio']);
    const h = await bridge(p.url);
    const { tools } = await h.client.listTools();
    expect(tools.map((t) => t.name)).toContain('echo');
    const echoed = await h.client.callTool({ name: 'echo', arguments: { message: 'through both binaries' } });
    expect(JSON.stringify(echoed.content)).toContain('through both binaries');
    expect(h.transportErrors).toEqual([]);
  });

  it('sampling from the fixture child reaches the local client and back', async () => {
    const p = await proxy([process.execPath, LEGACY]);
    const h = await bridge(p.url);
    const result = await h.client.callTool({ name: 'sample', arguments: { prompt: 'hello?' } });
    expect(result.content).toEqual([{ type: 'text', text: 'sampled: from the local client' }]);
  });

  it('kill and restart the proxy mid-run: the next call succeeds without the local client re-initializing', async () => {
    const first = await startProxy([process.execPath, LEGACY]);
    const port = Number(new URL(first.url).port);
    let current = first;
    cleanups.push(() => current.stop());
    const h = await bridge(first.url);
    expect((await h.client.callTool({ name: 'echo', arguments: { message: 'one' } })).content).toEqual([{ type: 'text', text: 'echo: one' }]);

    await first.stop();
    current = await startProxy([process.execPath, LEGACY], port);
    const after = await h.client.callTool({ name: 'echo', arguments: { message: 'two' } });
    expect(after.content).toEqual([{ type: 'text', text: 'echo: two' }]);
    expect(h.transportErrors).toEqual([]);
  });
});
