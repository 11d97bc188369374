import { describe, expect, it } from 'vitest';
import { asOAuthFailure } from '../../src/cli/client-oauth-run.js';
import { ClientError, OAuthFlowError } from '../../src/shared/errors.js';

describe('asOAuthFailure (the OAuth layer\'s boundary in the CLI)', () => {
  it('passes our typed errors, aborts and timeouts through unchanged', () => {
    for (const error of [new OAuthFlowError('ABORTED', 'x'), new ClientError('CONNECT_FAILED', 'x'), new DOMException('t', 'TimeoutError'), new DOMException('a', 'AbortError')]) {
      expect(asOAuthFailure(error)).toBe(error);
    }
  });
  it('a listen errno becomes CALLBACK_LISTEN_FAILED naming the port; anything else SIGN_IN_FAILED', () => {
    const busy = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', syscall: 'listen', port: 8123 });
    const mapped = asOAuthFailure(busy) as OAuthFlowError;
    expect(mapped.code).toBe('CALLBACK_LISTEN_FAILED');
    expect(mapped.message).toContain('127.0.0.1:8123 (EADDRINUSE)');
    expect(mapped.cause).toBe(busy);
    expect((asOAuthFailure(new TypeError('boom')) as OAuthFlowError).code).toBe('SIGN_IN_FAILED');
  });
});
