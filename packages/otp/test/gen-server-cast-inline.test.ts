import { GenServer, awaitExit, noreply, ok, self, spawn, type Node, type Pid } from '@erlmcp/otp';
import { startNode } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

type Cast =
  | { op: 'note'; tag: string }
  | { op: 'crash' }
  | { op: 'wait'; until: Promise<void> }
  | { op: 'self-send'; tag: string };
interface State {
  log: string[];
  seen: Pid[];
}

/** Records every cast with the pid its handleCast ran as; can crash, hold its mailbox, or cast to itself. */
const recorder = GenServer.define({
  init: (log: string[]) => ok<State>({ log, seen: [] }),
  handleCast(message: Cast, state: State) {
    state.seen.push(self());
    switch (message.op) {
      case 'note':
        state.log.push(message.tag);
        return noreply(state);
      case 'crash':
        throw new Error('boom');
      case 'wait':
        return message.until.then(() => {
          state.log.push('waited');
          return noreply(state);
        });
      case 'self-send':
        GenServer.cast(self(), { op: 'note', tag: `${message.tag}-later` });
        state.log.push(message.tag);
        return noreply(state);
    }
  },
  handleCall(_request: 'state', _from, state: State) {
    return { kind: 'reply' as const, reply: state, state };
  },
});

describe('GenServer.castInline', () => {
  it('from outside any process, an idle server handles the cast before castInline returns, as itself', async () => {
    const log: string[] = [];
    const pid = await GenServer.start(recorder, log);
    GenServer.castInline(pid, { op: 'note', tag: 'a' });
    expect(log).toEqual(['a']);
    const state = (await GenServer.call(pid, 'state')) as State;
    expect(state.seen.map(String)).toEqual([String(pid)]);
  });

  it('keeps the order of casts already queued: a busy or non-empty mailbox makes it an ordinary cast', async () => {
    const log: string[] = [];
    const pid = await GenServer.start(recorder, log);
    GenServer.cast(pid, { op: 'note', tag: 'queued' });
    GenServer.castInline(pid, { op: 'note', tag: 'inline' });
    expect(log).toEqual([]);
    await GenServer.call(pid, 'state');
    expect(log).toEqual(['queued', 'inline']);

    let release!: () => void;
    const until = new Promise<void>((resolve) => (release = resolve));
    GenServer.castInline(pid, { op: 'wait', until });
    // The async callback holds the mailbox: the next cast waits for it.
    GenServer.castInline(pid, { op: 'note', tag: 'after-wait' });
    expect(log).toEqual(['queued', 'inline']);
    release();
    await GenServer.call(pid, 'state');
    expect(log).toEqual(['queued', 'inline', 'waited', 'after-wait']);
  });

  it('what the server casts to itself meanwhile is queued and handled after', async () => {
    const log: string[] = [];
    const pid = await GenServer.start(recorder, log);
    GenServer.castInline(pid, { op: 'self-send', tag: 'first' });
    expect(log).toEqual(['first']);
    await GenServer.call(pid, 'state');
    expect(log).toEqual(['first', 'first-later']);
  });

  it('a crash in the inline handleCast ends that server alone, with the reason a queued cast would give, and does not throw to the caller', async () => {
    const log: string[] = [];
    const victim = await GenServer.start(recorder, log);
    const other = await GenServer.start(recorder, log);
    const exited = awaitExit(victim);
    expect(() => GenServer.castInline(victim, { op: 'crash' })).not.toThrow();
    const reason = await exited;
    expect(String(reason)).toContain('boom');
    GenServer.castInline(other, { op: 'note', tag: 'still here' });
    expect(log).toEqual(['still here']);
  });

  it('called from inside a process, it is an ordinary cast: handled after the caller returns', async () => {
    const log: string[] = [];
    const pid = await GenServer.start(recorder, log);
    const seenByCaller: string[][] = [];
    const caller = spawn(() => {
      GenServer.castInline(pid, { op: 'note', tag: 'from-process' });
      seenByCaller.push([...log]);
    });
    await awaitExit(caller);
    await GenServer.call(pid, 'state');
    expect(seenByCaller).toEqual([[]]);
    expect(log).toEqual(['from-process']);
  });

  it('to a server that is gone, it is dropped like a cast', async () => {
    const pid = await GenServer.start(recorder, []);
    await GenServer.stop(pid);
    expect(() => GenServer.castInline(pid, { op: 'note', tag: 'x' })).not.toThrow();
  });
});
