import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { redact, redactText } from '../../src/shared/redact.js';

describe('redaction', () => {
  it('masks secret-looking keys at any depth', () => {
    const out = redact({ headers: { Authorization: 'Bearer abc', cookie: 'c' }, refresh_token: 'r', client_secret: 's', code_verifier: 'v', nested: [{ access_token: 'a' }], ok: 'fine' });
    expect(JSON.stringify(out)).not.toMatch(/abc|"r"|"s"|"v"|"a"/);
    expect(out).toMatchObject({ ok: 'fine' });
  });

  it('masks bearer credentials inside free text', () => {
    expect(redactText('sent Authorization: Bearer eyJhbGciOi.x.y to server')).toBe('sent Authorization: Bearer [redacted] to server');
  });

  it('the logger never writes a secret, in JSON or text format', () => {
    for (const format of ['json', 'text'] as const) {
      const out: string[] = [];
      const log = createLogger({ level: 'debug', format, sink: { write: (s: string) => out.push(s) } });
      log.debug('got Bearer sekrit-token-1', { token: 'sekrit-token-2', req: { authorization: 'Bearer sekrit-token-3' } });
      expect(out.join('')).not.toContain('sekrit');
    }
  });

  it('filters by level', () => {
    const out: string[] = [];
    const log = createLogger({ level: 'warn', format: 'json', sink: { write: (s: string) => out.push(s) } });
    log.info('hidden');
    log.warn('shown');
    expect(out).toHaveLength(1);
  });
});
