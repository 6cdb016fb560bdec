import fc from 'fast-check';
import { defineServer, type RequestContext } from '../src/server';
import { installTelemetry, type McpRequestEvent, type McpTelemetryEvent } from '../src/server/telemetry';
import { readTraceContext } from '../src/server/trace-context';
import { modernMeta, modernWire } from './helpers/modern-wire';

// OpenTelemetry trace context in `_meta` (2026-07-28 basic/index.mdx; W3C Trace Context).

const PARENT = '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01';

describe('readTraceContext', () => {
  it('reads a valid traceparent with its tracestate and baggage', () => {
    expect(
      readTraceContext({
        traceparent: PARENT,
        tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
        baggage: 'user=ada;x=1, k=v',
      }),
    ).toEqual({
      traceparent: PARENT,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      parentId: '00f067aa0ba902b7',
      traceFlags: '01',
      sampled: true,
      tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
      baggage: 'user=ada;x=1, k=v',
    });
    expect(readTraceContext({ traceparent: PARENT.replace(/01$/, '00') })?.sampled).toBe(false);
    // A later version may append fields; a version-00 reader takes the first four.
    expect(readTraceContext({ traceparent: `01${PARENT.slice(2)}-future` })?.traceId).toBe(
      '0af7651916cd43dd8448eb211c80319c',
    );
  });

  it.each([
    ['version ff', `ff${PARENT.slice(2)}`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['all-zero parent id', `00-0af7651916cd43dd8448eb211c80319c-${'0'.repeat(16)}-01`],
    ['upper case', PARENT.toUpperCase()],
    ['version 00 with a suffix', `${PARENT}-x`],
    ['short', PARENT.slice(0, 40)],
    ['not a string', 42],
  ])('ignores a traceparent that is invalid (%s), as W3C asks of a receiver', (_why, value) => {
    expect(readTraceContext({ traceparent: value, tracestate: 'a=b' })).toBeUndefined();
  });

  it('drops a malformed tracestate or baggage alone', () => {
    const context = readTraceContext({ traceparent: PARENT, tracestate: 'Bad Key=1', baggage: 'no equals sign' });
    expect(context?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(context?.tracestate).toBeUndefined();
    expect(context?.baggage).toBeUndefined();
    expect(readTraceContext({ traceparent: PARENT, tracestate: 'a=1,a=2' })?.tracestate).toBeUndefined();
    expect(readTraceContext({ traceparent: PARENT, baggage: 'k=v,'.repeat(3000) })?.baggage).toBeUndefined();
  });

  it('never throws, and yields only well-formed contexts (property)', () => {
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
    const near = fc.tuple(hex(2), hex(32), hex(16), hex(2)).map(([v, t, p, f]) => `${v}-${t}-${p}-${f}`);
    fc.assert(
      fc.property(
        fc.record(
          {
            traceparent: fc.oneof(near, fc.string(), fc.jsonValue()),
            tracestate: fc.oneof(fc.string(), fc.jsonValue()),
            baggage: fc.oneof(fc.string(), fc.jsonValue()),
          },
          { requiredKeys: [] },
        ),
        (meta) => {
          const context = readTraceContext(meta);
          if (context === undefined) return;
          expect(context.traceparent).toBe(meta.traceparent);
          expect(context.traceId).toMatch(/^[0-9a-f]{32}$/);
          expect(context.traceId).not.toBe('0'.repeat(32));
          expect(context.parentId).toMatch(/^[0-9a-f]{16}$/);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('trace context on requests', () => {
  const seen: (RequestContext['trace'] | 'none')[] = [];
  const definition = defineServer({ name: 'traced', version: '1' })
    .tool({
      name: 'look',
      handler: (_args, ctx) => {
        seen.push(ctx.trace ?? 'none');
        return { content: [] };
      },
    })
    .build();
  const events: McpRequestEvent[] = [];
  const bus = {
    listenerCount: (_event: McpTelemetryEvent) => 1,
    emit: (_event: McpTelemetryEvent, payload: unknown) => {
      events.push(payload as McpRequestEvent);
      return true;
    },
  };

  beforeEach(() => {
    seen.length = 0;
    events.length = 0;
    installTelemetry(() => bus);
  });
  afterEach(() => installTelemetry(() => undefined));

  it('a 2026-07-28 request: ctx.trace and the mcp:request event carry the trace; a bad one is served untraced', async () => {
    const wire = modernWire(definition);
    await wire.call('tools/call', { name: 'look', _meta: modernMeta({}, { traceparent: PARENT, tracestate: 'k=v' }) });
    await wire.call('tools/call', { name: 'look', _meta: modernMeta({}, { traceparent: 'garbage' }) });
    expect(seen[0]).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      parentId: '00f067aa0ba902b7',
      tracestate: 'k=v',
    });
    expect(seen[1]).toBe('none');
    expect(events[0]).toMatchObject({
      method: 'tools/call',
      tool: 'look',
      outcome: 'ok',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      parentSpanId: '00f067aa0ba902b7',
      sampled: true,
    });
    expect(events[1]).toMatchObject({ outcome: 'ok' });
    expect(events[1]!.traceId).toBeUndefined();
  });

  it('a 2025 session reads the same keys', async () => {
    const wire = modernWire(definition);
    await wire.call('initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'c', version: '1' },
    });
    wire.session.receive({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await wire.call('tools/call', { name: 'look', _meta: { traceparent: PARENT } });
    expect(seen[0]).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', sampled: true });
  });
});
