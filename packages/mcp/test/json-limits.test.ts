import fc from 'fast-check';
import {
  decodeFrame,
  DEFAULT_JSON_LIMITS,
  ErrorCode,
  FrameTooComplexError,
  type JsonLimits,
  ParseError,
  scanJson,
} from '@erlmcp/mcp';
import { defineServer } from '../src/server';
import { shapeOf } from './helpers/json-shape';
import { Outbox } from './helpers/wire';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const limit = fc.oneof(fc.nat({ max: 40 }), fc.constant(Infinity));
const limits: fc.Arbitrary<Required<JsonLimits>> = fc.record({
  maxDepth: fc.oneof(fc.nat({ max: 10 }), fc.constant(Infinity)),
  maxObjectKeys: limit,
  maxArrayItems: limit,
});
/** JSON values with any characters in their strings (quotes, backslashes, brackets), nested up to 8 deep. */
const jsonValue = fc.jsonValue({ maxDepth: 8, stringUnit: 'binary' });
/** The same value as text, compact or indented (whitespace between every token). */
const jsonText = fc
  .tuple(jsonValue, fc.constantFrom(undefined, 1, '\t', '\r\n '))
  .map(([value, space]) => ({ value, text: JSON.stringify(value, null, space as never) }));

describe('scanJson', () => {
  test('accepts exactly the JSON values within its limits, and names a limit the value really exceeds', () => {
    fc.assert(
      fc.property(jsonText, limits, ({ value, text }, bounds) => {
        const shape = shapeOf(value);
        const within =
          shape.depth <= bounds.maxDepth && shape.keys <= bounds.maxObjectKeys && shape.items <= bounds.maxArrayItems;
        const scan = scanJson(text, bounds);
        expect(scan.ok).toBe(within);
        if (scan.ok) return;
        // Valid JSON is never called malformed.
        expect(scan.kind).toBe('limit');
        if (scan.kind !== 'limit') return;
        const measured = { maxDepth: shape.depth, maxObjectKeys: shape.keys, maxArrayItems: shape.items }[scan.limit];
        expect(measured).toBeGreaterThan(bounds[scan.limit]);
        expect(scan.max).toBe(bounds[scan.limit]);
      }),
      { numRuns: 3000 },
    );
  });

  test('where it calls a text malformed, JSON.parse refuses it too; what JSON.parse accepts it never calls malformed', () => {
    const broken = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', ',', ':', '1', ' ', 'a'), maxLength: 40 }),
      fc
        .tuple(jsonText, fc.nat(), fc.nat())
        .map(
          ([{ text }, cut, drop]) =>
            text.slice(0, cut % (text.length + 1)) + text.slice((cut % (text.length + 1)) + (drop % 3)),
        ),
      fc
        .tuple(jsonText, fc.nat(), fc.constantFrom('[', ']', '{', '}', '"', '\\', ','))
        .map(
          ([{ text }, at, insert]) =>
            text.slice(0, at % (text.length + 1)) + insert + text.slice(at % (text.length + 1)),
        ),
    );
    const unbounded = { maxDepth: Infinity, maxObjectKeys: Infinity, maxArrayItems: Infinity };
    fc.assert(
      fc.property(broken, (text) => {
        const scan = scanJson(text, unbounded);
        if (!scan.ok && scan.kind === 'malformed') expect(parses(text)).toBe(false);
        if (parses(text)) expect(scan).toEqual({ ok: true });
      }),
      { numRuns: 5000 },
    );
  });

  test('the hostile body of the issue: 4 MB of 2 million nested arrays is refused at the first bracket past the depth', () => {
    const body = '['.repeat(2_000_000) + ']'.repeat(2_000_000);
    expect(scanJson(body)).toEqual({
      ok: false,
      kind: 'limit',
      limit: 'maxDepth',
      max: DEFAULT_JSON_LIMITS.maxDepth,
      offset: DEFAULT_JSON_LIMITS.maxDepth,
    });
    // Unclosed, and deeper than the limit: still a limit, found as early.
    expect(scanJson('{"a":'.repeat(1_000_000))).toMatchObject({ ok: false, kind: 'limit', limit: 'maxDepth' });
  });

  test('counts members and elements across the whole frame, not per container', () => {
    const bounds = { maxDepth: 10, maxObjectKeys: 3, maxArrayItems: 3 };
    expect(scanJson('[[1],[2],[3]]', bounds)).toMatchObject({ ok: false, limit: 'maxArrayItems' });
    expect(scanJson('[[1],[]]', bounds)).toEqual({ ok: true });
    expect(scanJson('[{"a":1,"b":2},{"c":3,"d":4}]', bounds)).toMatchObject({ ok: false, limit: 'maxObjectKeys' });
    expect(scanJson('{"a":{"b":{"c":[]}}}', bounds)).toEqual({ ok: true });
  });

  test('brackets, commas and quotes inside strings are not structure', () => {
    const text = JSON.stringify({ s: '[[[{{{,,,"\\"]]]' + '\\'.repeat(5) + '"' });
    expect(scanJson(text, { maxDepth: 1, maxObjectKeys: 1, maxArrayItems: 0 })).toEqual({ ok: true });
    expect(scanJson('"\\\\"', { maxDepth: 0 })).toEqual({ ok: true });
    expect(scanJson('"\\"', { maxDepth: 0 })).toMatchObject({ ok: false, kind: 'malformed' });
  });

  test('a limit that is not a count is a RangeError where a session is made', () => {
    const definition = defineServer({ name: 'limits', version: '1' }).build();
    for (const bad of [{ maxDepth: -1 }, { maxObjectKeys: 1.5 }, { maxArrayItems: Number.NaN }]) {
      expect(() => definition.createSession({ send: () => undefined, jsonLimits: bad })).toThrow(RangeError);
    }
    expect(() => definition.createSession({ send: () => undefined, jsonLimits: { maxDepth: Infinity } })).not.toThrow();
  });
});

describe('decoding a frame past the limits', () => {
  test('decodeFrame throws FrameTooComplexError (-32600, with the limit as data), before JSON.parse', () => {
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const deep = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":${'['.repeat(100)}${']'.repeat(100)}}}`;
      let thrown: unknown;
      try {
        decodeFrame(deep);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(FrameTooComplexError);
      expect((thrown as FrameTooComplexError).code).toBe(ErrorCode.InvalidRequest);
      expect((thrown as FrameTooComplexError).data).toEqual({
        limit: 'maxDepth',
        max: 64,
        offset: deep.indexOf('[') + 62,
      });
      expect(parse).not.toHaveBeenCalled();
      // Raised, it passes.
      expect(decodeFrame(deep, { jsonLimits: { maxDepth: 200 } }).kind).toBe('single');
      // Text the scan knows is not JSON is a parse error, as JSON.parse would say.
      expect(() => decodeFrame('{"a":[}')).toThrow(ParseError);
    } finally {
      parse.mockRestore();
    }
  });

  test('a session answers a frame past its limits with -32600 and no id, and keeps serving', () => {
    const out = new Outbox();
    const session = defineServer({ name: 'limits', version: '1' })
      .build()
      .createSession({ send: out.send, jsonLimits: { maxArrayItems: 10 } });
    session.receiveText(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { many: Array.from({ length: 11 }, () => 0) } }),
    );
    expect(out.messages).toEqual([
      {
        jsonrpc: '2.0',
        error: {
          code: -32600,
          message: expect.stringContaining('maxArrayItems'),
          data: { limit: 'maxArrayItems', max: 10, offset: expect.any(Number) },
        },
      },
    ]);
    out.clear();
    session.receiveText(
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping', params: { many: Array.from({ length: 10 }, () => 0) } }),
    );
    expect(out.messages).toEqual([{ jsonrpc: '2.0', id: 2, result: {} }]);
  });
});
