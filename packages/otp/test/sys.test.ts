import {
  BadArgError,
  GenServer,
  GenStatem,
  NoProcError,
  Node,
  Supervisor,
  noreply,
  ok,
  reply,
  spawn,
  sys,
  type StatemEvent,
} from '@erlmcp/otp';
import { startNode } from './helpers';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

type Account = { user: string; password: string; n: number };
const account = GenServer.define({
  init: (user: string) => ok<Account>({ user, password: 'hunter2', n: 0 }),
  handleCall: (_req: 'get', _from, s: Account) => reply(s.n, s),
  handleCast: (_msg: 'inc', s: Account) => noreply({ ...s, n: s.n + 1 }),
  formatStatus: (s: Account) => ({ ...s, password: '***' }),
});

const toggle = GenStatem.define({
  callbackMode: 'state_functions',
  init: () => GenStatem.ok<'off' | 'on', { flips: number; secret: string }>('off', { flips: 0, secret: 'k' }),
  states: {
    off: (event: StatemEvent<'state', 'flip'>, d: { flips: number; secret: string }) =>
      event.type === 'call'
        ? GenStatem.keepStateAndData([GenStatem.reply(event.from, 'off')])
        : GenStatem.nextState('on', { ...d, flips: d.flips + 1 }),
    on: (event: StatemEvent<'state', 'flip'>, d: { flips: number; secret: string }) =>
      event.type === 'call'
        ? GenStatem.keepStateAndData([GenStatem.reply(event.from, 'on')])
        : GenStatem.nextState('off', { ...d, flips: d.flips + 1 }),
  },
  formatStatus: (state, data) => ({ state, flips: data.flips }),
});

describe('sys on a GenServer', () => {
  test('getState and replaceState read and write the state, both shown through formatStatus, as getStatus is', async () => {
    const pid = await GenServer.start(account, 'ada');
    GenServer.cast(pid, 'inc');
    expect(await sys.getState(pid)).toEqual({ user: 'ada', password: '***', n: 1 });
    let seen: Account | undefined;
    const shown = await sys.replaceState<Account>(pid, (s) => {
      seen = s; // the function itself gets the raw state: it has to write it back whole
      return { ...s, n: 41 };
    });
    expect(seen?.password).toBe('hunter2');
    expect(shown).toEqual({ user: 'ada', password: '***', n: 41 });
    GenServer.cast(pid, 'inc');
    expect(await GenServer.call(pid, 'get')).toBe(42);
    const status = await sys.getStatus(pid);
    expect(status).toMatchObject({
      behaviour: 'gen_server',
      status: 'running',
      state: { user: 'ada', password: '***', n: 42 },
    });
    expect(status.pid.equals(pid)).toBe(true);
  });

  test('suspend holds calls and casts (sys still answers); resume handles them in the order they came', async () => {
    const pid = await GenServer.start(account, 'bob');
    await sys.suspend(pid);
    GenServer.cast(pid, 'inc');
    const during = GenServer.call(pid, 'get');
    GenServer.cast(pid, 'inc');
    expect((await sys.getStatus(pid)).status).toBe('suspended');
    expect(((await sys.getState(pid)) as Account).n).toBe(0);
    let answered = false;
    void during.then(() => (answered = true));
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    await sys.resume(pid);
    expect(await during).toBe(1); // after the first cast, before the second
    expect(await GenServer.call(pid, 'get')).toBe(2);
  });

  test('trace logs each message handled while on; statistics count them', async () => {
    const pid = await GenServer.start(account, 'cy');
    const info = jest.spyOn(node.logger, 'info');
    await sys.trace(pid, true);
    await sys.statistics(pid, true);
    GenServer.cast(pid, 'inc');
    await GenServer.call(pid, 'get');
    const lines = info.mock.calls.map((c) => String(c[0]));
    expect(lines).toEqual([`*DBG* ${pid} got cast inc`, `*DBG* ${pid} got call get`]);
    expect((await sys.statistics(pid, 'get'))?.messagesIn).toBe(2);
    await sys.trace(pid, false);
    await sys.statistics(pid, false);
    GenServer.cast(pid, 'inc');
    await GenServer.call(pid, 'get');
    expect(info.mock.calls.length).toBe(2);
    expect(await sys.statistics(pid, 'get')).toBeUndefined();
  });

  test('a replaceState that throws is an error for the caller; the server keeps its state and runs on', async () => {
    const pid = await GenServer.start(account, 'dee');
    await expect(
      sys.replaceState<Account>(pid, () => {
        throw new Error('no');
      }),
    ).rejects.toBeInstanceOf(BadArgError);
    expect(await GenServer.call(pid, 'get')).toBe(0);
  });

  test('sys on a spawned function, a dead pid or an unknown name is a typed error', async () => {
    const body = spawn((ctx) => ctx.receive());
    await expect(sys.getState(body)).rejects.toBeInstanceOf(BadArgError);
    await expect(sys.getState('nobody')).rejects.toBeInstanceOf(NoProcError);
    await expect(sys.getState(42 as never)).rejects.toBeInstanceOf(BadArgError);
  });
});

describe('sys on a GenStatem and a Supervisor', () => {
  test('a statem shows { state, data }; replaceState moves it to another state; formatStatus redacts', async () => {
    const pid = await GenStatem.start(toggle, undefined);
    GenStatem.cast(pid, 'flip');
    expect(await sys.getState(pid)).toEqual({ state: 'on', flips: 1 }); // formatStatus: no secret
    await sys.replaceState<{ state: string; data: unknown }>(pid, (s) => ({ ...s, state: 'off' }));
    // A state with no handler is refused, and the statem keeps the state it had.
    await expect(
      sys.replaceState<{ state: string; data: unknown }>(pid, (s) => ({ ...s, state: 'dimmed' })),
    ).rejects.toThrow('no handler for state dimmed');
    expect(await GenStatem.call(pid, 'state')).toBe('off');
    expect((await sys.getStatus(pid)).state).toEqual({ state: 'off', flips: 1 });
  });

  test('a supervisor answers sys too: it is a GenServer', async () => {
    const sup = await Supervisor.start({ children: [GenServer.childSpec('acct', account, 'eve')] });
    const status = await sys.getStatus(sup);
    expect(status.behaviour).toBe('gen_server:supervisor');
    await sys.suspend(sup);
    const children = Supervisor.whichChildren(sup); // waits while the supervisor is suspended
    expect((await sys.getStatus(sup)).status).toBe('suspended');
    await sys.resume(sup);
    expect((await children).map((c) => c.id)).toEqual(['acct']);
    await Supervisor.stop(sup);
  });
});
