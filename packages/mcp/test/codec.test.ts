import {
  BatchNotAllowedError,
  createErrorResponse,
  createNotification,
  createRequest,
  createSuccessResponse,
  decodeFrame,
  decodeValue,
  encodePayload,
  ErrorCode,
  FrameTooLargeError,
  InvalidParamsError,
  InvalidRequestError,
  isErrorResponse,
  isNotification,
  isRequest,
  isSuccessResponse,
  JsonRpcError,
  MethodNotFoundError,
  ParseError,
  parseMessage,
} from '@erlmcp/mcp';

function decodeError(text: string, options?: Parameters<typeof decodeFrame>[1]): JsonRpcError {
  try {
    decodeFrame(text, options);
  } catch (error) {
    if (error instanceof JsonRpcError) return error;
    throw error;
  }
  throw new Error(`decoded without error: ${text}`);
}

describe('decodeFrame: well-formed messages', () => {
  test('request, notification, result and error responses', () => {
    expect(decodeFrame('{"jsonrpc":"2.0","id":1,"method":"ping"}')).toEqual({
      kind: 'single',
      message: { jsonrpc: '2.0', id: 1, method: 'ping' },
    });
    expect(decodeFrame('{"jsonrpc":"2.0","id":"a","method":"tools/list","params":{"cursor":"x"}}').kind).toBe('single');
    const note = parseMessage({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(isNotification(note)).toBe(true);
    expect(isRequest(note)).toBe(false);
    const ok = parseMessage({ jsonrpc: '2.0', id: 7, result: {} });
    expect(isSuccessResponse(ok)).toBe(true);
    const failed = parseMessage({ jsonrpc: '2.0', id: 7, error: { code: -32601, message: 'nope', data: { x: 1 } } });
    expect(isErrorResponse(failed)).toBe(true);
  });

  test('error responses may carry id null or no id (parse errors)', () => {
    expect(parseMessage({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } })).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'Parse error' },
    });
    expect(parseMessage({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' } })).toEqual({
      jsonrpc: '2.0',
      error: { code: -32700, message: 'Parse error' },
    });
  });

  test('positional params are valid JSON-RPC', () => {
    expect(parseMessage({ jsonrpc: '2.0', id: 1, method: 'sum', params: [1, 2] })).toEqual({
      jsonrpc: '2.0',
      id: 1,
      method: 'sum',
      params: [1, 2],
    });
  });

  test('undefined members of in-memory objects count as absent', () => {
    expect(parseMessage({ jsonrpc: '2.0', id: 1, method: 'ping', params: undefined })).toEqual({
      jsonrpc: '2.0',
      id: 1,
      method: 'ping',
    });
  });
});

describe('decodeFrame: malformed input, one typed error per shape', () => {
  test('text that is not JSON is a ParseError (-32700)', () => {
    for (const text of ['', '{', '{"jsonrpc":"2.0",', 'nul', '{"a":1}}', "{'jsonrpc':'2.0'}"]) {
      const error = decodeError(text);
      expect(error).toBeInstanceOf(ParseError);
      expect(error.code).toBe(ErrorCode.ParseError);
    }
  });

  test.each([
    ['a JSON scalar', '42'],
    ['null', 'null'],
    ['a string', '"hello"'],
    ['missing jsonrpc', '{"id":1,"method":"ping"}'],
    ['wrong jsonrpc version', '{"jsonrpc":"1.0","id":1,"method":"ping"}'],
    ['numeric jsonrpc', '{"jsonrpc":2.0,"id":1,"method":"ping"}'],
    ['method not a string', '{"jsonrpc":"2.0","id":1,"method":5}'],
    ['params a string', '{"jsonrpc":"2.0","id":1,"method":"ping","params":"x"}'],
    ['params null', '{"jsonrpc":"2.0","id":1,"method":"ping","params":null}'],
    ['id null on a request', '{"jsonrpc":"2.0","id":null,"method":"ping"}'],
    ['id boolean', '{"jsonrpc":"2.0","id":true,"method":"ping"}'],
    ['id object', '{"jsonrpc":"2.0","id":{},"method":"ping"}'],
    ['unknown member', '{"jsonrpc":"2.0","id":1,"method":"ping","extra":1}'],
    ['method and result together', '{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}'],
    ['neither method nor result', '{"jsonrpc":"2.0","id":1}'],
  ])('%s is an InvalidRequestError (-32600)', (_label, text) => {
    const error = decodeError(text);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.code).toBe(ErrorCode.InvalidRequest);
  });

  test('an invalid request keeps its id when the id itself is valid', () => {
    expect(decodeError('{"jsonrpc":"2.0","id":9,"method":"ping","params":3}').requestId).toBe(9);
    expect(decodeError('{"jsonrpc":"1.0","id":"q","method":"ping"}').requestId).toBe('q');
    expect(decodeError('{"jsonrpc":"2.0","id":null,"method":"ping"}').requestId).toBeUndefined();
  });

  test('malformed responses are marked response-shaped (never answered)', () => {
    for (const text of [
      '{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}',
      '{"jsonrpc":"2.0","result":{}}',
      '{"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"x"}}',
      '{"jsonrpc":"2.0","id":1,"error":{"code":1}}',
      '{"jsonrpc":"2.0","id":1,"error":"boom"}',
      '{"jsonrpc":"2.0","id":true,"error":{"code":1,"message":"x"}}',
    ]) {
      const error = decodeError(text);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).shape).toBe('response');
    }
  });

  test('frames over the size limit are rejected before parsing', () => {
    const text = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'x', params: { pad: 'é'.repeat(100) } });
    const error = decodeError(text, { maxFrameBytes: 150 });
    expect(error).toBeInstanceOf(FrameTooLargeError);
    expect(error.code).toBe(ErrorCode.InvalidRequest);
    expect((error as FrameTooLargeError).size).toBe(Buffer.byteLength(text));
    // Multi-byte characters are counted in bytes, not UTF-16 units.
    expect(() => decodeFrame(text, { maxFrameBytes: Buffer.byteLength(text) })).not.toThrow();
    expect(() => decodeFrame('{"jsonrpc":"2.0","id":1,"method":"x"}', { maxFrameBytes: 10 })).toThrow(
      FrameTooLargeError,
    );
  });
});

describe('batches', () => {
  const batch = '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"n"},{"bad":true}]';

  test('refused unless allowed', () => {
    expect(decodeError(batch)).toBeInstanceOf(BatchNotAllowedError);
    expect(decodeError(batch, { protocolVersion: '2025-06-18' }).message).toMatch(/2025-06-18/);
  });

  test('when allowed, invalid members fail alone', () => {
    const frame = decodeFrame(batch, { allowBatch: true });
    expect(frame.kind).toBe('batch');
    if (frame.kind !== 'batch') return;
    expect(frame.entries.map((entry) => entry.ok)).toEqual([true, true, false]);
  });

  test('an empty batch is an invalid request', () => {
    expect(decodeError('[]', { allowBatch: true })).toBeInstanceOf(InvalidRequestError);
    expect(() => decodeValue([], { allowBatch: true })).toThrow(InvalidRequestError);
  });
});

describe('encoding helpers', () => {
  test('build spec-shaped messages', () => {
    expect(createRequest(1, 'ping')).toEqual({ jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(createRequest('a', 'tools/call', { name: 'x' })).toEqual({
      jsonrpc: '2.0',
      id: 'a',
      method: 'tools/call',
      params: { name: 'x' },
    });
    expect(createNotification('notifications/initialized')).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/initialized',
    });
    expect(createSuccessResponse(3, {})).toEqual({ jsonrpc: '2.0', id: 3, result: {} });
    expect(createErrorResponse(3, new MethodNotFoundError('no such method'))).toEqual({
      jsonrpc: '2.0',
      id: 3,
      error: { code: -32601, message: 'no such method' },
    });
    expect(createErrorResponse(undefined, new ParseError())).toEqual({
      jsonrpc: '2.0',
      error: { code: -32700, message: 'Parse error' },
    });
  });

  test('encoded frames contain no raw newline', () => {
    const text = encodePayload(createRequest(1, 'x', { text: 'a\nb\r\nc\u2028' }));
    expect(text).not.toMatch(/\n/);
    expect(decodeFrame(text)).toEqual({ kind: 'single', message: createRequest(1, 'x', { text: 'a\nb\r\nc\u2028' }) });
  });

  test('received error objects come back as typed classes', () => {
    expect(JsonRpcError.fromObject({ code: -32602, message: 'bad' })).toBeInstanceOf(InvalidParamsError);
    expect(JsonRpcError.fromObject({ code: -32601, message: 'x' })).toBeInstanceOf(MethodNotFoundError);
    const custom = JsonRpcError.fromObject({ code: -32002, message: 'Resource not found', data: { uri: 'x' } }, 4);
    expect(custom).toBeInstanceOf(JsonRpcError);
    expect(custom.code).toBe(-32002);
    expect(custom.data).toEqual({ uri: 'x' });
    expect(custom.requestId).toBe(4);
  });
});
