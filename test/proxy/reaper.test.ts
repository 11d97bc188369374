import { describe, expect, it } from 'vitest';
import { idleOnes, Reaper, reapIntervalMs } from '../../src/proxy/reaper.js';

const item = (name: string, lastActivity: number, busy = false): { name: string; lastActivity: number; busy: boolean } => ({ name, lastActivity, busy });

describe('the idle reaper for sessions and principals', () => {
  it('picks what is idle for the timeout or longer and not busy', () => {
    const items = [item('fresh', 900), item('idle', 0), item('exactly', 500), item('busy', 0, true)];
    expect(idleOnes(items, 1_000, 500).map((i) => i.name)).toEqual(['idle', 'exactly']);
  });

  it('looks a quarter of the timeout apart, between 50 ms and 5 s', () => {
    expect(reapIntervalMs(100)).toBe(50);
    expect(reapIntervalMs(4_000)).toBe(1_000);
    expect(reapIntervalMs(300_000)).toBe(5_000);
  });

  it('ends each idle item once per sweep with how long it idled', () => {
    const items = [item('a', 0), item('b', 950)];
    const ended: Array<[string, number]> = [];
    const reaper = new Reaper({ items: () => items, idleTimeoutMs: 500, now: () => 1_000, end: (i, idleMs) => ended.push([i.name, idleMs]) });
    try {
      expect(reaper.reap()).toBe(1);
      expect(ended).toEqual([['a', 1_000]]);
    } finally {
      reaper.stop();
    }
  });
});
