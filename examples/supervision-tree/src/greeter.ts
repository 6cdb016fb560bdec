import { GenServer, ok, reply } from '@erlmcp/otp';

/** Greets people and counts how many it has greeted since it started. */
export const greeter = GenServer.define({
  name: 'greeter',
  init: (greeting: string) => ok({ greeting, count: 0 }),
  handleCall: (name: string, _from, state: { greeting: string; count: number }) =>
    reply(`${state.greeting}, ${name}! (#${state.count + 1})`, { ...state, count: state.count + 1 }),
});
