import { describe, expect, it } from 'vitest';
import { EXIT_FAILURE, EXIT_USAGE, exitCodeFor } from '../../src/cli/exit-codes.js';
import { UsageError } from '../../src/cli/proxy-args.js';
import { ClientError, OAuthFlowError, ProxyError } from '../../src/shared/errors.js';

describe('one exit-code mapping for both binaries', () => {
  it('maps a usage error by its own code, and the configuration codes of either domain to 2', () => {
    expect(exitCodeFor(new UsageError('bad flag'))).toBe(EXIT_USAGE);
    expect(exitCodeFor(new UsageError('help', 0))).toBe(0);
    expect(exitCodeFor(new ProxyError('CONFIG_INVALID', 'x'))).toBe(EXIT_USAGE);
    expect(exitCodeFor(new ClientError('CONFIG_INVALID', 'x'))).toBe(EXIT_USAGE);
  });

  it('maps runtime failures to 1', () => {
    for (const code of ['LISTEN_FAILED', 'CHILD_START_FAILED', 'CHILD_SPAWN_FAILED'] as const) expect(exitCodeFor(new ProxyError(code, 'x'))).toBe(EXIT_FAILURE);
    expect(exitCodeFor(new OAuthFlowError('LOGIN_REQUIRED', 'x'))).toBe(EXIT_FAILURE);
    expect(exitCodeFor('not even an error')).toBe(EXIT_FAILURE);
  });
});
