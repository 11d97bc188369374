import { describe, expect, it } from 'vitest';
import { isPlainBearerRefusal } from '../../../src/client/http/static-bearer.js';

describe('isPlainBearerRefusal', () => {
  it('a 401 with a Bearer challenge and no resource_metadata, or with no challenge at all', () => {
    expect(isPlainBearerRefusal(401, 'Bearer')).toBe(true);
    expect(isPlainBearerRefusal(401, 'Bearer error="invalid_token"')).toBe(true);
    expect(isPlainBearerRefusal(401, null)).toBe(true);
  });
  it('not when the challenge points at OAuth metadata, is another scheme, or the status is not 401', () => {
    expect(isPlainBearerRefusal(401, 'Bearer resource_metadata="https://x/.well-known/oauth-protected-resource"')).toBe(false);
    expect(isPlainBearerRefusal(401, 'Basic realm="x"')).toBe(false);
    expect(isPlainBearerRefusal(403, 'Bearer error="insufficient_scope"')).toBe(false);
    expect(isPlainBearerRefusal(200, null)).toBe(false);
  });
});
