import {
  CallExitError,
  Crash,
  GenStatem,
  Node,
  Supervisor,
  awaitExit,
  exit,
  processInfo,
  via,
  whereis,
  type From,
  type NameService,
  type Pid,
  type StatemEvent,
} from '@erlmcp/otp';
import { startNode } from './helpers';
import { ManualClock } from './statem-clock';

let node: Node;
beforeEach(() => {
  node = startNode();
});
afterEach(() => node.stop());

// A door with a code, in state_functions mode (gen_statem's own example, trimmed).
type DoorCall = { button: number } | 'state';
type DoorData = { code: number[]; input: number[]; log: string[] };
const door = (clock?: ManualClock) =>
  GenStatem.define({
    callbackMode: 'state_functions',
    stateEnter: true,
    timers: clock,
    init: (code: number[]) => GenStatem.ok('locked', { code, input: [], log: [] } as DoorData),
    states: {
      locked(event: StatemEvent<DoorCall, 'lock', never, 'locked' | 'open'>, data: DoorData) {
        switch (event.type) {
          case 'enter':
            return GenStatem.keepState({
              ...data,
              input: [],
              log: [...data.log, `enter locked from ${event.oldState}`],
            });
          case 'call': {
            if (event.request === 'state') return GenStatem.keepStateAndData([GenStatem.reply(event.from, 'locked')]);
            const input = [...data.input, event.request.button];
            if (input.join() === data.code.join())
              return GenStatem.nextState('open', { ...data, input }, [GenStatem.reply(event.from, 'open')]);
            return GenStatem.keepState({ ...data, input }, [GenStatem.reply(event.from, 'locked')]);
          }
          default:
            return GenStatem.keepStateAndData();
        }
      },
      open(event: StatemEvent<DoorCall, 'lock', never, 'locked' | 'open'>, data: DoorData) {
        switch (event.type) {
          case 'enter':
            return GenStatem.keepState({ ...data, log: [...data.log, `enter open from ${event.oldState}`] }, [
              GenStatem.stateTimeout(10_000, 'lock'),
            ]);
          case 'state_timeout':
          case 'cast':
            return GenStatem.nextState('locked', data);
          case 'call':
            return GenStatem.keepStateAndData([
              GenStatem.reply(event.from, event.request === 'state' ? 'open' : 'already open'),
            ]);
          default:
            return GenStatem.keepStateAndData();
        }
      },
    },
  });

describe('GenStatem: state functions', () => {
  test('calls move the door through its states; enter calls run for the initial state and each change', async () => {
    const clock = new ManualClock();
    const pid = await GenStatem.start(door(clock), [1, 2]);
    expect(await GenStatem.call(pid, { button: 1 })).toBe('locked');
    expect(await GenStatem.call(pid, { button: 2 })).toBe('open');
    expect(await GenStatem.call(pid, 'state')).toBe('open');
    clock.advance(10_000); // the state timeout set on entering open
    expect(await GenStatem.call(pid, 'state')).toBe('locked');
    GenStatem.cast(pid, 'lock'); // in locked: ignored
    expect(await GenStatem.call(pid, 'state')).toBe('locked');
    await GenStatem.stop(pid);
  });

  test('the state timeout is cancelled by a state change: leaving open by a cast leaves no timeout behind', async () => {
    const clock = new ManualClock();
    const pid = await GenStatem.start(door(clock), [7]);
    expect(await GenStatem.call(pid, { button: 7 })).toBe('open');
    expect(clock.armed).toBe(1);
    GenStatem.cast(pid, 'lock');
    expect(await GenStatem.call(pid, 'state')).toBe('locked');
    expect(clock.armed).toBe(0);
  });

  test('a handler that throws ends the statem with the crash, after terminate ran; pending callers get CallExitError', async () => {
    const terminated: unknown[] = [];
    const def = GenStatem.define({
      callbackMode: 'state_functions',
      init: () => GenStatem.ok('idle', 0),
      states: {
        idle(event: StatemEvent<'boom' | 'hold'>, n: number) {
          if (event.type === 'call' && event.request === 'boom') throw new Error('bad event');
          return GenStatem.keepState(n + 1);
        },
      },
      terminate: (reason, state, data) =>
        void terminated.push([state, data, reason instanceof Crash ? (reason.error as Error).message : reason]),
    });
    const pid = await GenStatem.start(def, undefined);
    const exited = awaitExit(pid);
    const hold = GenStatem.call(pid, 'hold');
    await expect(GenStatem.call(pid, 'boom')).rejects.toBeInstanceOf(CallExitError);
    await expect(hold).rejects.toBeInstanceOf(CallExitError); // kept without a reply
    expect(await exited).toBeInstanceOf(Crash);
    expect(terminated).toEqual([['idle', 1, 'bad event']]);
  });

  test('an enter call that changes state crashes the statem', async () => {
    const def = GenStatem.define({
      callbackMode: 'state_functions',
      stateEnter: true,
      init: () => GenStatem.ok<'a' | 'b', null>('a', null),
      states: {
        a: (event: StatemEvent<never, never, never, 'a' | 'b'>) =>
          event.type === 'enter' ? GenStatem.nextState('b', null) : GenStatem.keepStateAndData(),
        b: () => GenStatem.keepStateAndData(),
      },
    });
    // The enter call runs as soon as the start returns: watch exits from before the start.
    const exits = new Map<string, unknown>();
    node.events.on('exit', (e) => void exits.set(e.pid.toString(), e.reason));
    const pid = await GenStatem.start(def, undefined);
    while (!exits.has(pid.toString())) await new Promise((r) => setImmediate(r));
    const reason = exits.get(pid.toString());
    expect(reason).toBeInstanceOf(Crash);
    expect(((reason as Crash).error as Error).message).toMatch(/may not change state/);
  });
});

// handle_event_function mode, with states that are objects: a state change is by value.
type Conn = { phase: 'down' } | { phase: 'up'; peer: string };
type ConnCall = 'send' | 'phase';
type ConnCast = { connect: string } | 'disconnect' | 'noop';

function connection(log: string[]) {
  return GenStatem.define({
    callbackMode: 'handle_event_function',
    stateEnter: true,
    init: () => GenStatem.ok<Conn, number>({ phase: 'down' }, 0),
    handleEvent(event: StatemEvent<ConnCall, ConnCast, never, Conn>, state: Conn, sent: number) {
      if (event.type === 'enter') {
        log.push(`enter ${state.phase}`);
        return GenStatem.keepStateAndData();
      }
      if (event.type === 'call') {
        if (event.request === 'phase')
          return GenStatem.keepStateAndData([GenStatem.reply(event.from, state.phase as string)]);
        // Sending waits until the connection is up: postponed, retried on the state change.
        if (state.phase === 'down') return GenStatem.keepStateAndData([GenStatem.postpone()]);
        return GenStatem.keepState(sent + 1, [GenStatem.reply(event.from, `sent ${sent + 1} to ${state.peer}`)]);
      }
      if (event.type === 'cast') {
        const msg = event.message;
        if (msg === 'noop') return GenStatem.nextState({ ...state }, sent); // equal by value: no state change
        if (msg === 'disconnect') return GenStatem.nextState({ phase: 'down' }, sent);
        return GenStatem.nextState({ phase: 'up', peer: msg.connect }, sent);
      }
      return GenStatem.keepStateAndData();
    },
  });
}

describe('GenStatem: handle_event_function', () => {
  test('postponed calls are retried, in order, once the state changes; an equal state is no change', async () => {
    const log: string[] = [];
    const pid = await GenStatem.start(connection(log), undefined);
    const first = GenStatem.call(pid, 'send');
    const second = GenStatem.call(pid, 'send');
    GenStatem.cast(pid, 'noop');
    expect(await GenStatem.call(pid, 'phase')).toBe('down');
    GenStatem.cast(pid, { connect: 'peer-a' });
    expect(await first).toBe('sent 1 to peer-a');
    expect(await second).toBe('sent 2 to peer-a');
    expect(log).toEqual(['enter down', 'enter up']);
  });
});

describe('GenStatem: actions and results', () => {
  test('nextEvent inserts events before the mailbox, the first action first; repeatState runs the enter call again', async () => {
    const log: string[] = [];
    const def = GenStatem.define({
      callbackMode: 'handle_event_function',
      stateEnter: true,
      init: () => GenStatem.ok('s', null, [GenStatem.nextEvent('internal', 'from-init')]),
      handleEvent(event: StatemEvent<'log', string, never, string>, _state: string) {
        switch (event.type) {
          case 'enter':
            log.push('enter');
            return GenStatem.keepStateAndData();
          case 'cast':
            log.push(`cast ${event.message}`);
            if (event.message === 'again') return GenStatem.repeatStateAndData();
            return GenStatem.keepStateAndData([
              GenStatem.nextEvent('internal', 'i1'),
              GenStatem.nextEvent('internal', 'i2'),
            ]);
          case 'internal':
            log.push(`internal ${String(event.message)}`);
            return GenStatem.keepStateAndData();
          case 'call':
            return GenStatem.keepStateAndData([GenStatem.reply(event.from, log.slice())]);
          default:
            return GenStatem.keepStateAndData();
        }
      },
    });
    const pid = await GenStatem.start(def, undefined);
    GenStatem.cast(pid, 'a');
    GenStatem.cast(pid, 'b');
    GenStatem.cast(pid, 'again');
    expect(await GenStatem.call(pid, 'log')).toEqual([
      'enter',
      'internal from-init',
      'cast a',
      'internal i1',
      'internal i2',
      'cast b',
      'internal i1',
      'internal i2',
      'cast again',
      'enter',
    ]);
  });

  test('stopAndReply replies first, then terminate runs, then the statem exits with the reason', async () => {
    const seen: string[] = [];
    const def = GenStatem.define({
      callbackMode: 'state_functions',
      init: () => GenStatem.ok('only', { from: null as From | null }),
      states: {
        only: (event: StatemEvent<'quit'>) =>
          event.type === 'call'
            ? GenStatem.stopAndReply('normal', [GenStatem.reply(event.from, 'bye')], { from: event.from })
            : GenStatem.keepStateAndData(),
      },
      // The caller's From is settled (replied) by the time terminate runs.
      terminate: (reason, _state, data) =>
        void seen.push(`terminate ${String(reason)}, replied: ${String(data.from?.done)}`),
    });
    const pid = await GenStatem.start(def, undefined);
    const exited = awaitExit(pid);
    expect(await GenStatem.call(pid, 'quit')).toBe('bye');
    expect(await exited).toBe('normal');
    expect(seen).toEqual(['terminate normal, replied: true']);
  });

  test('a reply kept for later: sendReply answers a call from another event', async () => {
    const def = GenStatem.define({
      callbackMode: 'handle_event_function',
      init: () => GenStatem.ok('waiting', [] as From[]),
      handleEvent(event: StatemEvent<'wait', 'release'>, _s: string, waiting: From[]) {
        if (event.type === 'call') return GenStatem.keepState([...waiting, event.from]);
        if (event.type === 'cast') for (const from of waiting) GenStatem.sendReply(from, 'released');
        return GenStatem.keepState<From[]>([]);
      },
    });
    const pid = await GenStatem.start(def, undefined);
    const pending = GenStatem.call(pid, 'wait');
    GenStatem.cast(pid, 'release');
    expect(await pending).toBe('released');
  });

  test('a bad handler result or a bad timeout crashes the statem with a clear reason', async () => {
    for (const bad of [() => ({ kind: 'nope' }), () => GenStatem.keepStateAndData([GenStatem.eventTimeout(-1)])]) {
      const def = GenStatem.define({
        callbackMode: 'handle_event_function',
        init: () => GenStatem.ok('s', null),
        handleEvent: bad as never,
      });
      const pid = await GenStatem.start(def, undefined);
      const exited = awaitExit(pid);
      GenStatem.cast(pid, 'x' as never);
      const reason = await exited;
      expect(reason).toBeInstanceOf(Crash);
      expect(((reason as Crash).error as Error).name).toBe('BadArgError');
    }
  });

  test('init returning ignore or stop fails the start as a GenServer does', async () => {
    const ignoring = GenStatem.define({
      callbackMode: 'handle_event_function',
      init: () => GenStatem.ignore(),
      handleEvent: () => GenStatem.keepStateAndData(),
    });
    await expect(GenStatem.start(ignoring, undefined)).rejects.toMatchObject({ code: 'ignore' });
    const refusing = GenStatem.define({
      callbackMode: 'handle_event_function',
      init: () => GenStatem.initStop('no config'),
      handleEvent: () => GenStatem.keepStateAndData(),
    });
    await expect(GenStatem.start(refusing, undefined)).rejects.toMatchObject({ reason: 'no config' });
  });
});

describe('GenStatem: supervision, names and introspection', () => {
  test('under a supervisor with a via name: a crash is restarted, and the name points at the new statem', async () => {
    const names = new Map<string, Pid>();
    const service: NameService<string> = {
      registerName: (name: string, pid: Pid) => (names.has(name) ? false : (names.set(name, pid), true)),
      unregisterName: (name: string) => void names.delete(name),
      whereisName: (name: string) => names.get(name),
    };
    const name = via(service, 'door');
    const sup = await Supervisor.start({
      strategy: 'one_for_one',
      children: [GenStatem.childSpec('door', door(), [3], { name })],
    });
    expect(await GenStatem.call(name, { button: 3 })).toBe('open');
    const first = names.get('door')!;
    expect(processInfo(first)?.behaviour).toBe('gen_server:gen_statem');
    const exited = awaitExit(first);
    GenStatem.cast(name, 'lock');
    exit(first, 'kill');
    await exited;
    // The supervisor restarts it: the new one starts locked again.
    for (let i = 0; i < 100 && (names.get('door') === undefined || names.get('door')!.equals(first)); i++)
      await new Promise((r) => setImmediate(r));
    expect(await GenStatem.call(name, 'state')).toBe('locked');
    expect(names.get('door')!.equals(first)).toBe(false);
    await Supervisor.stop(sup);
    expect(whereis('door')).toBeUndefined();
  });
});
