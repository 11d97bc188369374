// A minimal Chrome DevTools Protocol client for a server under test, used only to force a full GC
// before memory is read, so idle-memory numbers are not dominated by garbage not yet collected. The
// inspector is activated late (SIGUSR1, port chosen at start with --inspect-port=127.0.0.1:0), so the
// load phases run without it.
import { WebSocket } from 'undici';

/**
 * @param {string} url ws://127.0.0.1:port/uuid, from the server's "Debugger listening on" line
 */
export async function connectInspector(url) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot connect to the inspector at ${url}`)), { once: true });
  });
  let nextId = 1;
  /** @type {Map<number, (result: any) => void>} */
  const pending = new Map();
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data));
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  });
  /**
   * @param {string} method
   * @param {Record<string, unknown>} [params]
   * @returns {Promise<any>}
   */
  const call = (method, params = {}) => new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });
  return {
    /** Two full collections (the second frees what the first's finalizers released). */
    async collectGarbage() {
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
    },
    /** @returns {Promise<number>} bytes of JS heap in use */
    async heapUsed() {
      const usage = await call('Runtime.getHeapUsage');
      return usage.usedSize;
    },
    close() {
      ws.close();
    },
  };
}

/** @typedef {Awaited<ReturnType<typeof connectInspector>>} Inspector */
