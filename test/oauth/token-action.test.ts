import { describe, expect, it } from 'vitest';
import { decideTokenAction, type TokenSet } from '../../src/oauth/refresh-policy.js';

const t = (over: Partial<TokenSet> = {}): TokenSet => ({ access_token: 'at', refresh_token: 'rt', scope: 'read', obtained_at: 0, expires_at: 100_000, ...over });
const base = { now: 10_000, skewMs: 60_000 };

describe('decideTokenAction: the action the token session switches on', () => {
  it('a forced login is a login, whatever is held', () => {
    expect(decideTokenAction({ ...base, tokens: t(), forceLogin: true })).toBe('login');
  });

  it('a step-up never refreshes (a refresh cannot widen the scope)', () => {
    expect(decideTokenAction({ ...base, tokens: t(), stepUpScope: 'write' })).toBe('login');
    expect(decideTokenAction({ ...base, tokens: t(), now: 99_000, stepUpScope: 'read' })).toBe('login');
  });

  it('uses a fresh token that already carries the step-up scope', () => {
    expect(decideTokenAction({ ...base, tokens: t({ scope: 'read write' }), stepUpScope: 'write' })).toBe('use');
  });

  it('refreshes a refused or an empty access token when a refresh token is held', () => {
    expect(decideTokenAction({ ...base, tokens: t(), rejected: 'at' })).toBe('refresh');
    expect(decideTokenAction({ ...base, tokens: t({ access_token: '' }) })).toBe('refresh');
    expect(decideTokenAction({ ...base, tokens: t({ access_token: '', refresh_token: undefined }) })).toBe('login');
  });
});
