import { describe, expect, it } from 'vitest';
import { askTarget, type AskCandidate } from '../../../src/proxy/sessions/ask-routing.js';
import { sharedChildKey } from '../../../src/proxy/sessions/shared-child-key.js';
import { sessionWantsLog, sharedLogLevel } from '../../../src/proxy/sessions/shared-log-level.js';
import { SubscriptionCounts } from '../../../src/proxy/sessions/subscription-counts.js';

describe('sharedChildKey', () => {
  it('is one key per principal, anonymous callers all one, and no subject spells the anonymous key', () => {
    expect(sharedChildKey(undefined)).toBe(sharedChildKey(undefined));
    expect(sharedChildKey('alice')).toBe(sharedChildKey('alice'));
    expect(sharedChildKey('alice')).not.toBe(sharedChildKey('bob'));
    expect(sharedChildKey('anonymous')).not.toBe(sharedChildKey(undefined));
    expect(sharedChildKey('')).not.toBe(sharedChildKey(undefined));
    // identity/child-key.ts keys: header values keep callers apart; a key never equals a bare principal's.
    expect(sharedChildKey('alice', '["alice",["TENANT","a"]]')).not.toBe(sharedChildKey('alice', '["alice",["TENANT","b"]]'));
    expect(sharedChildKey('alice', '["alice"]')).not.toBe(sharedChildKey('alice'));
  });
});

describe('SubscriptionCounts', () => {
  it('asks the child for the first holder and tells it when the last lets go or ends', () => {
    const subs = new SubscriptionCounts<string>();
    expect(subs.add('u', 'A')).toBe(true);
    expect(subs.add('u', 'B')).toBe(false);
    expect(subs.add('u', 'B')).toBe(false);
    expect(subs.holders('u').sort()).toEqual(['A', 'B']);
    expect(subs.remove('u', 'A')).toBe(false);
    expect(subs.remove('u', 'A')).toBe(false); // not a holder any more
    expect(subs.has('u', 'B')).toBe(true);
    expect(subs.add('v', 'B')).toBe(true);
    expect(subs.add('w', 'C')).toBe(true);
    expect(subs.add('w', 'B')).toBe(false);
    expect(subs.drop('B').sort()).toEqual(['u', 'v']);
    expect(subs.holders('u')).toEqual([]);
    expect(subs.holders('w')).toEqual(['C']);
    expect(subs.remove('x', 'A')).toBe(false);
  });
});

describe('askTarget: which session of a shared child gets a server→client request', () => {
  const view = (c: AskCandidate): AskCandidate => c;
  const s = (capabilities: AskCandidate['capabilities'], newestInflight: number | undefined, lastActive: number): AskCandidate => ({ capabilities, newestInflight, lastActive });

  it('the session with the newest request in flight, when it declared what the request needs', () => {
    const a = s({ sampling: {} }, 5, 9);
    const b = s({ sampling: {} }, 7, 8);
    const idle = s({ sampling: {} }, undefined, 10);
    expect(askTarget([a, b, idle], view, 'sampling/createMessage', {})).toEqual({ kind: 'deliver', to: b });
  });

  it('refuses (never hands it to another session) when the newest one did not declare it', () => {
    const a = s({ sampling: {} }, 5, 9);
    const b = s({}, 7, 8);
    expect(askTarget([a, b], view, 'sampling/createMessage', {})).toEqual({ kind: 'refuse', missing: { sampling: {} } });
    const form = s({ elicitation: {} }, 3, 1);
    expect(askTarget([form], view, 'elicitation/create', { mode: 'url' })).toEqual({ kind: 'refuse', missing: { elicitation: { url: {} } } });
    const plain = s({ sampling: {} }, 3, 1);
    expect(askTarget([plain], view, 'sampling/createMessage', { tools: [] })).toEqual({ kind: 'refuse', missing: { sampling: { tools: {} } } });
  });

  it('with nothing in flight: the most recently active session that declared it', () => {
    const a = s({ roots: {} }, undefined, 4);
    const b = s({}, undefined, 9);
    const c = s({ roots: {} }, undefined, 6);
    expect(askTarget([a, b, c], view, 'roots/list', {})).toEqual({ kind: 'deliver', to: c });
    expect(askTarget([b], view, 'roots/list', {})).toEqual({ kind: 'refuse', missing: { roots: {} } });
    expect(askTarget([], view, 'roots/list', {})).toEqual({ kind: 'refuse', missing: undefined });
  });

  it('a request that needs no capability (ping) follows the same rule', () => {
    const a = s({}, 2, 4);
    const b = s({}, undefined, 9);
    expect(askTarget([a, b], view, 'ping', undefined)).toEqual({ kind: 'deliver', to: a });
    expect(askTarget([b], view, 'ping', undefined)).toEqual({ kind: 'deliver', to: b });
  });
});

describe('the log level of a shared child', () => {
  it('is the most verbose level any session set; sessions that set none are not counted', () => {
    expect(sharedLogLevel([])).toBeUndefined();
    expect(sharedLogLevel([undefined, undefined])).toBeUndefined();
    expect(sharedLogLevel(['error', undefined, 'info', 'warning'])).toBe('info');
    expect(sharedLogLevel(['emergency', 'debug'])).toBe('debug');
  });

  it('each session gets its own level and above; one that set none gets everything', () => {
    expect(sessionWantsLog('info', 'error')).toBe(false);
    expect(sessionWantsLog('critical', 'error')).toBe(true);
    expect(sessionWantsLog('debug', undefined)).toBe(true);
  });
});
