import { describe, expect, it } from 'vitest';
import { checkEdge, hostAllowListFor, isLoopbackHost } from '../../../src/proxy/http/edge-checks.js';

const loopback = { allowedOrigins: [], allowedHostnames: hostAllowListFor('127.0.0.1') };

describe('Origin and Host checks', () => {
  it('allows requests without Origin (non-browser clients)', () => {
    expect(checkEdge(loopback, { host: '127.0.0.1:3000' })).toEqual({ ok: true });
  });

  it('allows same-origin requests and returns the CORS origin', () => {
    expect(checkEdge(loopback, { host: 'localhost:3000', origin: 'http://localhost:3000' })).toEqual({ ok: true, corsOrigin: 'http://localhost:3000' });
  });

  it('refuses another port on the same host (hostname matching is not enough)', () => {
    expect(checkEdge(loopback, { host: 'localhost:3000', origin: 'http://localhost:6666' }).ok).toBe(false);
  });

  it('refuses DNS rebinding: a foreign Host on loopback, even when Origin matches it', () => {
    expect(checkEdge(loopback, { host: 'evil.example', origin: 'http://evil.example' }).ok).toBe(false);
    expect(checkEdge(loopback, { host: 'evil.example' }).ok).toBe(false);
  });

  it('remembers only accepted Host values: a foreign Host is refused after many accepted requests, and still refused when repeated', () => {
    const policy = { allowedOrigins: [], allowedHostnames: hostAllowListFor('127.0.0.1') };
    for (let port = 3000; port < 3040; port += 1) expect(checkEdge(policy, { host: `localhost:${port}` })).toEqual({ ok: true });
    for (let i = 0; i < 3; i += 1) expect(checkEdge(policy, { host: 'evil.example:3000' })).toMatchObject({ ok: false, check: 'host' });
    expect(checkEdge(policy, {})).toMatchObject({ ok: false, check: 'host' });
    expect(checkEdge(policy, { host: 'localhost:3000', origin: 'http://evil.example' })).toMatchObject({ ok: false, check: 'origin' });
  });

  it('allows exactly the listed origins, normalizing default ports and case', () => {
    const policy = { allowedOrigins: ['https://App.Example.com:443'] };
    expect(checkEdge(policy, { host: 'proxy:3000', origin: 'https://app.example.com' })).toEqual({ ok: true, corsOrigin: 'https://app.example.com' });
    expect(checkEdge(policy, { host: 'proxy:3000', origin: 'http://app.example.com' }).ok).toBe(false);
  });

  it('refuses malformed and non-http origins; * allows any', () => {
    expect(checkEdge({ allowedOrigins: [] }, { host: 'h', origin: 'null' }).ok).toBe(false);
    expect(checkEdge({ allowedOrigins: [] }, { host: 'h', origin: 'file://x' }).ok).toBe(false);
    expect(checkEdge({ allowedOrigins: ['*'] }, { host: 'h', origin: 'https://any.example' }).ok).toBe(true);
  });

  it('enforces Host only when bound to loopback', () => {
    expect(hostAllowListFor('0.0.0.0')).toBeUndefined();
    expect(hostAllowListFor('::1')).toContain('[::1]');
    expect(isLoopbackHost('127.0.0.2')).toBe(true);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
  });
});
