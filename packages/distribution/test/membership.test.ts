import fc from 'fast-check';
import { decodeHeartbeat, encodeHeartbeat, Membership, type Heartbeat } from '../src/membership';

const heartbeat = fc.record({
  id: fc.integer({ min: 1, max: 6 }),
  name: fc.constantFrom('a', 'b', 'c'),
  session: fc.integer({ min: 0, max: 2 }),
  bye: fc.option(fc.constant(true as const), { nil: undefined }),
});

test('heartbeats round-trip; bytes that are not one decode as undefined, never a throw', () => {
  const hb: Heartbeat = { id: 7, name: 'n', session: 2 };
  expect(decodeHeartbeat(encodeHeartbeat(hb))).toEqual({ ...hb, bye: undefined });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const decoded = decodeHeartbeat(bytes);
      expect(decoded === undefined || typeof decoded.id === 'number').toBe(true);
    }),
  );
  expect(decodeHeartbeat(new TextEncoder().encode('{"id":"x","name":1}'))).toBeUndefined();
});

test('the table stays consistent: one member per name and per id, the newest run of a name wins, bye removes', () => {
  fc.assert(
    fc.property(fc.array(heartbeat, { maxLength: 60 }), (beats) => {
      const table = new Membership(6); // id 6 is this node: its own heartbeats are ignored
      let now = 0;
      for (const hb of beats) {
        const effect = table.heard(hb, now++);
        if (hb.id === 6) expect(effect.kind).toBe('seen');
        if (effect.kind === 'up' && effect.replaced !== undefined) expect(effect.replaced.name).toBe(hb.name);
      }
      const members = table.members();
      expect(new Set(members.map((m) => m.name)).size).toBe(members.length);
      expect(new Set(members.map((m) => m.id)).size).toBe(members.length);
      for (const m of members) {
        expect(table.named(m.name)).toBe(m);
        expect(table.get(m.id)).toBe(m);
        expect(m.id).not.toBe(6);
      }
    }),
  );
});

test('a member is silent once not heard since the deadline; a new session is a reset', () => {
  const table = new Membership(1);
  expect(table.heard({ id: 2, name: 'b', session: 0 }, 0).kind).toBe('up');
  expect(table.heard({ id: 2, name: 'b', session: 0 }, 10).kind).toBe('seen');
  expect(table.silentSince(5)).toHaveLength(0);
  expect(table.silentSince(11).map((m) => m.name)).toEqual(['b']);
  expect(table.heard({ id: 2, name: 'b', session: 1 }, 12).kind).toBe('reset');
  const up = table.heard({ id: 3, name: 'b', session: 0 }, 13);
  expect(up.kind === 'up' && up.replaced?.id === 2).toBe(true);
  expect(table.get(2)).toBeUndefined();
  expect(table.heard({ id: 3, name: 'b', session: 0, bye: true }, 14).kind).toBe('down');
  expect(table.members()).toHaveLength(0);
});
