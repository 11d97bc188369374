import { SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { jsonRpcErrorAnswer } from '../../../src/client/http/http-error-body.js';

const httpError = (status: number, text: unknown): SdkHttpError => new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, 'Error POSTing to endpoint', { status, text });
const body = (id: unknown, code = -32601): string => JSON.stringify({ jsonrpc: '2.0', id, error: { code, message: 'Method not found' } });

describe('jsonRpcErrorAnswer', () => {
  it('finds the JSON-RPC error for the request in a 4xx body', () => {
    expect(jsonRpcErrorAnswer(httpError(404, body(7)), 7)).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32601, message: 'Method not found' } });
  });

  it('ignores other ids, non-JSON-RPC bodies, 5xx, 2xx and other errors', () => {
    expect(jsonRpcErrorAnswer(httpError(404, body(8)), 7)).toBeUndefined();
    expect(jsonRpcErrorAnswer(httpError(404, '<html>not found</html>'), 7)).toBeUndefined();
    expect(jsonRpcErrorAnswer(httpError(404, JSON.stringify({ error: 'not_found' })), 7)).toBeUndefined();
    expect(jsonRpcErrorAnswer(httpError(503, body(7)), 7)).toBeUndefined();
    expect(jsonRpcErrorAnswer(httpError(404, undefined), 7)).toBeUndefined();
    expect(jsonRpcErrorAnswer(new Error('x'), 7)).toBeUndefined();
  });
});
