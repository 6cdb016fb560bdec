import { CallExitError, Crash, GenServer, Node, processInfo, reply } from '@erlmcp/otp';

// OTP: every caller of a gen_server that dies sees it die, with its exit reason, whether
// its request was being handled or still waited in the mailbox (which dies with it).

describe('calls queued behind a call that crashes the server', () => {
  let node: Node;

  beforeEach(() => {
    node = Node.start({ schedulers: 1, logLevel: 'silent' });
  });

  afterEach(async () => {
    await node.stop();
  });

  test('each rejects with CallExitError carrying the crash that ended the server', async () => {
    let crash!: () => void;
    const crashNow = new Promise<void>((resolve) => (crash = resolve));
    const server = GenServer.define({
      init: () => ({ kind: 'ok' as const, state: 0 }),
      handleCall: async (request: 'boom' | 'other', _from, state: number) => {
        if (request === 'other') return reply('answered', state);
        await crashNow;
        throw new Error('boom in handleCall');
      },
    });
    const pid = await GenServer.start(server, undefined);
    const calls = [GenServer.call(pid, 'boom'), GenServer.call(pid, 'other'), GenServer.call(pid, 'other')].map(
      (call) => call.catch((error: unknown) => error),
    );
    // The two others wait in the mailbox while the server holds the first.
    while ((processInfo(pid)?.messageQueueLen ?? 0) < 2) await new Promise((resolve) => setImmediate(resolve));
    crash();
    for (const error of await Promise.all(calls)) {
      expect(error).toBeInstanceOf(CallExitError);
      const reason = (error as CallExitError).reason;
      expect(reason).toBeInstanceOf(Crash);
      expect((reason as Crash).where).toBe('handleCall');
      expect((error as CallExitError).message).toMatch(/crash in handleCall: boom in handleCall$/);
    }
  });
});
