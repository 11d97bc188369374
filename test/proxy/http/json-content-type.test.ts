import { isJsonContentType } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { isJsonRequest } from '../../../src/proxy/http/json-content-type.js';

describe('isJsonRequest (the SDK verdict on Content-Type, remembered for accepted values)', () => {
  const values = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json ;charset=UTF-8', 'text/plain', 'application/jsonx', 'application/json-patch+json', '', 'multipart/form-data; boundary=x', undefined];
  it.each(values.map((v) => [v]))('%s: as the SDK decides, the first time and every time after', (value) => {
    const sdk = isJsonContentType(value ?? null);
    for (let i = 0; i < 3; i++) expect(isJsonRequest(value)).toBe(sdk);
  });

  it('keeps deciding correctly beyond the values it remembers', () => {
    for (let i = 0; i < 40; i++) expect(isJsonRequest(`application/json; x=${i}`)).toBe(true);
    for (let i = 0; i < 40; i++) expect(isJsonRequest(`text/x-${i}`)).toBe(false);
  });
});
