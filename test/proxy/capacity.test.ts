import { describe, expect, it } from 'vitest';
import { Capacity, poolPlan, roomLeft } from '../../src/proxy/capacity.js';

describe('capacity: one count of sessions and principal children', () => {
  it('sums every user, and a second registration of a user replaces the first', () => {
    let sessions = 2;
    const capacity = new Capacity(5);
    capacity.count('sessions', () => sessions);
    capacity.count('principals', () => 1);
    expect(capacity.used).toBe(3);
    expect(capacity.left).toBe(2);
    capacity.count('sessions', () => sessions); // registered again (the CLI and the server both may)
    expect(capacity.used).toBe(3);
    sessions = 4;
    expect(capacity.hasRoom).toBe(false);
    expect(capacity.left).toBe(0);
  });

  it('never reports negative room', () => {
    expect(roomLeft(3, 5)).toBe(0);
    expect(roomLeft(3, 1)).toBe(2);
  });

  it('plans the pool: spawn up to the target within the room, release what no longer fits', () => {
    expect(poolPlan(10, 0, 2)).toEqual({ release: 0, spawn: 2 });
    expect(poolPlan(1, 0, 2)).toEqual({ release: 0, spawn: 1 });
    expect(poolPlan(1, 2, 2)).toEqual({ release: 1, spawn: 0 });
    expect(poolPlan(0, 2, 2)).toEqual({ release: 2, spawn: 0 });
    expect(poolPlan(5, 2, 2)).toEqual({ release: 0, spawn: 0 });
  });
});
