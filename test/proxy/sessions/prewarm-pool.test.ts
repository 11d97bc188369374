import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from '../../../src/proxy/child/child-process.js';
import { execaSpawn, type SpawnChild } from '../../../src/proxy/child/spawn.js';
import { PrewarmPool } from '../../../src/proxy/sessions/prewarm-pool.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { alive, FIXTURE, waitFor } from '../../helpers/proxy-harness.js';

const pools: PrewarmPool[] = [];
const taken: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all([...pools.splice(0).map((p) => p.closeAll()), ...taken.splice(0).map((c) => c.stop())]);
});

/** A pool of real fixture children whose spawns are counted (through the spawn seam, still execa). */
function countedPool(size: number, refillDelayMs: number): { pool: PrewarmPool; spawns: () => number; pids: number[] } {
  let spawns = 0;
  const pids: number[] = [];
  const spawn: SpawnChild = (command, args, opts) => {
    spawns += 1;
    const child = execaSpawn(command, args, opts);
    if (child.pid !== undefined) pids.push(child.pid);
    return child;
  };
  const pool = new PrewarmPool({
    size,
    refillDelayMs,
    capacityLeft: () => 10,
    logger: silentLogger,
    child: { command: process.execPath, args: [FIXTURE], env: {}, passEnv: true, baseEnv: process.env, shell: false, maxLineBytes: 1 << 20, killGraceMs: 2_000, spawn },
  });
  pools.push(pool);
  return { pool, spawns: () => spawns, pids };
}

describe('PrewarmPool refills', () => {
  it('fills at once, but a refill right after a take spawns only after its delay (never inside the taking session\'s initialize)', async () => {
    const { pool, spawns, pids } = countedPool(1, 400);
    expect(spawns()).toBe(1);
    expect(pool.size).toBe(1);
    const child = pool.take();
    expect(child).toBeDefined();
    taken.push(child!);
    pool.refill(); // what the session manager's "created" observer does
    await tick();
    await tick();
    expect(spawns()).toBe(1);
    expect(pool.size).toBe(0);
    expect(await waitFor(() => spawns() === 2 && pool.size === 1, 10_000)).toBe(true);
    // Refills asked for while one is due are one refill.
    pool.refill();
    pool.refill();
    await pool.closeAll();
    await child!.stop();
    expect(spawns()).toBe(2);
    expect(await waitFor(() => pids.every((pid) => !alive(pid)), 10_000)).toBe(true);
  }, 30_000);
});

describe('PrewarmPool warm-up', () => {
  it('pings each waiting child, and takes the children that answered before one that has not', async () => {
    let spawns = 0;
    const spawn: SpawnChild = (command, args, opts) => {
      spawns += 1;
      // The first child answers its ping only after 4 s; the second at once.
      return execaSpawn(command, spawns === 1 ? [...args, '--ping-delay', '4000'] : args, opts);
    };
    const pool = new PrewarmPool({
      size: 2,
      refillDelayMs: 60_000,
      capacityLeft: () => 10,
      logger: silentLogger,
      child: { command: process.execPath, args: [FIXTURE], env: {}, passEnv: true, baseEnv: process.env, shell: false, maxLineBytes: 1 << 20, killGraceMs: 2_000, spawn },
    });
    pools.push(pool);
    expect(await waitFor(() => pool.warmed === 1, 10_000)).toBe(true);
    const first = pool.take();
    taken.push(first!);
    expect(pool.warmed).toBe(0);
    expect(pool.size).toBe(1);
    const second = pool.take(); // none warm: the slow one still serves
    taken.push(second!);
    expect(second).toBeDefined();
    expect(second!.pid).not.toBe(first!.pid);
    expect(pool.size).toBe(0);
  }, 30_000);
});
