import { Node, nodeRuntime, type ExitReason, type ProcessContext } from '@erlmcp/otp';

describe('nodeRuntime(node): the view a runtime extension uses', () => {
  let node: Node;
  beforeEach(() => {
    node = Node.start({ logLevel: 'silent', id: 12, schedulers: 1 });
  });
  afterEach(() => node.stop());

  test('spawns, sends, finds names and exits on its node', async () => {
    const runtime = nodeRuntime(node);
    expect(runtime.id).toBe(12);
    expect(runtime.schedulerId).toBe(0);
    expect(runtime.peer).toBeNull();
    expect(runtime.dist).toBeNull();
    const got: unknown[] = [];
    const proc = runtime.spawnFrom(
      null,
      async (ctx: ProcessContext) => {
        for (;;) got.push(await ctx.receive());
      },
      { name: 'listener' },
    );
    expect(proc.self.node).toBe(12);
    expect(proc.alive).toBe(true);
    expect(runtime.whereis('listener')).toBe(proc.self);
    runtime.send(proc.self, 'hello');
    const exited: Promise<ExitReason> = runtime.awaitExit(proc.self);
    await new Promise((resolve) => setImmediate(resolve));
    runtime.exit(proc.self, 'kill');
    expect(await exited).toBe('killed');
    expect(got).toEqual(['hello']);
    expect(proc.alive).toBe(false);
    expect(runtime.whereis('listener')).toBeUndefined();
  });
});
