import fc from 'fast-check';
import { FrameTooLargeError, LineSplitter } from '@erlmcp/mcp';

function splitter(maxLineBytes: number) {
  const lines: string[] = [];
  const oversize: FrameTooLargeError[] = [];
  const split = new LineSplitter({
    maxLineBytes,
    onLine: (line) => lines.push(line),
    onOversize: (error) => oversize.push(error),
  });
  return { split, lines, oversize };
}

test('splits on newlines, strips CR, skips blank lines, flushes the last line at end', () => {
  const { split, lines } = splitter(100);
  split.push('{"a":1}\n{"b":');
  split.push('2}\r\n\n  \n{"c":3}');
  expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  split.end();
  expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
});

test('a multi-byte character split across chunks survives', () => {
  const { split, lines } = splitter(100);
  const bytes = Buffer.from('{"t":"héllo 🌍"}\n', 'utf8');
  for (let i = 0; i < bytes.length; i++) split.push(bytes.subarray(i, i + 1));
  expect(lines).toEqual(['{"t":"héllo 🌍"}']);
});

test('an oversize line is reported once and the stream goes on', () => {
  const { split, lines, oversize } = splitter(10);
  split.push('short\n');
  split.push('x'.repeat(7));
  split.push('y'.repeat(7));
  split.push('z'.repeat(7) + '\nafter\n');
  expect(lines).toEqual(['short', 'after']);
  expect(oversize).toHaveLength(1);
  expect(oversize[0]).toBeInstanceOf(FrameTooLargeError);
  expect(oversize[0]?.size).toBe(21);
  expect(oversize[0]?.limit).toBe(10);
});

test('a line of exactly the limit is accepted', () => {
  const { split, lines, oversize } = splitter(5);
  split.push('12345\n123456\n');
  expect(lines).toEqual(['12345']);
  expect(oversize).toHaveLength(1);
});

test('any chunking of a stream yields the same lines', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.string({ unit: 'binary', maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, '')),
        { maxLength: 10 },
      ),
      fc.array(fc.nat(), { maxLength: 10 }),
      (input, cuts) => {
        const text = input.map((line) => `${line}\n`).join('');
        const bytes = Buffer.from(text, 'utf8');
        const { split, lines, oversize } = splitter(40);
        const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        let last = 0;
        for (const point of [...points, bytes.length]) {
          split.push(bytes.subarray(last, point));
          last = point;
        }
        split.end();
        const expected = input.map((line) => Buffer.from(line, 'utf8').toString('utf8'));
        const kept = expected.filter((line) => Buffer.byteLength(line) <= 40 && line.trim() !== '');
        expect(lines).toEqual(kept);
        expect(oversize).toHaveLength(expected.filter((line) => Buffer.byteLength(line) > 40).length);
      },
    ),
    { numRuns: 500 },
  );
});
