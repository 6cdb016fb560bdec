import fc from 'fast-check';
import { DefinitionError } from '../src/protocol/errors';
import { HandleStore } from '../src/server/handles';
import { TaskStore } from '../src/server/tasks';

// setIdPrefix: the owner prefix a host across machines (@erlmcp/distribution/mcp) puts on the
// task ids and handles a definition mints, as a front door's workers put their index there.

describe('task and handle id prefixes', () => {
  it('task ids and handles minted after setIdPrefix start with it, and still resolve for their principal only', () => {
    const tasks = new TaskStore();
    const handles = new HandleStore();
    tasks.setIdPrefix('1k3x9a.');
    handles.setIdPrefix('1k3x9a.');
    const task = tasks.create('alice')!;
    expect(task.taskId).toMatch(/^1k3x9a\.[A-Za-z0-9_-]{22}$/);
    expect(tasks.get('alice', task.taskId)).toBe(task);
    expect(() => tasks.get('bob', task.taskId)).toThrow('Task not found');
    const handle = handles.scope('alice').create({ n: 1 });
    expect(handle).toMatch(/^mcph_1k3x9a\.[A-Za-z0-9_-]{22}$/);
    expect(handles.scope('alice').get(handle)).toEqual({ n: 1 });
    expect(() => handles.scope('bob').get(handle)).toThrow('Unknown or expired handle');
    // Another prefix on the same random part is another (unknown) handle.
    expect(() => handles.scope('alice').get(handle.replace('1k3x9a.', '1k3x9b.'))).toThrow('Unknown or expired handle');
  });

  it('a prefix that is not 1-13 of [0-9a-z] and a dot is a DefinitionError; the stores keep minting as before', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (prefix) => {
        fc.pre(prefix !== '' && !/^[0-9a-z]{1,13}\.$/.test(prefix));
        const handles = new HandleStore();
        expect(() => handles.setIdPrefix(prefix)).toThrow(DefinitionError);
        expect(() => new TaskStore().setIdPrefix(prefix)).toThrow(DefinitionError);
        expect(handles.scope('p').create(1)).toMatch(/^mcph_[A-Za-z0-9_-]{22}$/);
      }),
      { numRuns: 200 },
    );
  });
});
