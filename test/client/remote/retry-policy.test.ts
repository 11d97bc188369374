import { describe, expect, it } from 'vitest';
import { backoffDelay, nextRetryDelay, type RetryPolicy } from '../../../src/client/remote/retry-policy.js';

const policy: RetryPolicy = { budgetMs: 10_000, initialDelayMs: 250, maxDelayMs: 2_000, factor: 2 };

describe('retry policy', () => {
  it('backs off exponentially up to the cap', () => {
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, policy))).toEqual([250, 500, 1000, 2000, 2000, 2000]);
  });
  it('stops when the outage budget is spent and never sleeps past it', () => {
    expect(nextRetryDelay(0, 0, 0, policy)).toBe(250);
    expect(nextRetryDelay(0, 9_900, 5, policy)).toBe(100);
    expect(nextRetryDelay(0, 10_000, 5, policy)).toBeUndefined();
    expect(nextRetryDelay(0, 1, 0, { ...policy, budgetMs: 0 })).toBeUndefined();
  });
});
