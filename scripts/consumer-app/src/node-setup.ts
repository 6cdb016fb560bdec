// The app's own exports, with inferred types: with "declaration": true, tsc must name
// the packages' types (Node, Pid, GenServerDef, Table) through their entry points.
import { GenServer, Node, ok, reply, spawn } from '@erlmcp/otp';
import { Ets } from '@erlmcp/ets';

export const startNode = () => Node.start({ schedulers: 2, logLevel: 'warn' });

export const hitsTable = () => Ets.new('hits', { type: 'set', access: 'public' });

export const echo = GenServer.define({
  init: () => ok(spawn(async (ctx) => void (await ctx.receive()))),
  handleCall: (req: string, _from, idle) => reply(req, idle),
});
