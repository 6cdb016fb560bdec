// The second process of the cluster benchmark: node 'bench-b'. It hosts an echo GenServer
// (calls answer with the request; casts are counted) for the `ours` side, and a bare NATS
// responder and sink on its own connection for the `peer` side, so both sides cross the
// same two processes. It prints "ready <node id> <echo pid id>" and runs until stdin closes.
import { connect } from '@nats-io/transport-node';
import { GenServer, noreply, ok, reply, send, type Pid } from '@erlmcp/otp';
import { DistNode } from '@erlmcp/distribution';

type Sink = { count: number; expect: number; notify: Pid | null };
type EchoCall = { expect: number; notify: Pid } | number;

const echo = GenServer.define({
  init: () => ok<Sink>({ count: 0, expect: 0, notify: null }),
  handleCall: (request: EchoCall, _from, s: Sink) =>
    typeof request === 'number' ? reply(request, s) : reply(request.expect, { count: 0, ...request }),
  handleCast: (_message: number, s: Sink) => {
    s.count++;
    if (s.count === s.expect && s.notify !== null) send(s.notify, 'done');
    return noreply(s);
  },
});

async function main(): Promise<void> {
  const [url, cluster] = process.argv.slice(2) as [string, string];
  const dist = await DistNode.start({
    servers: url,
    name: 'bench-b',
    cluster,
    global: false,
    node: { logLevel: 'silent' },
  });
  const pid = (await GenServer.start(echo, undefined)) as Pid;
  const nc = await connect({ servers: url, name: 'bench-b-bare' });
  nc.subscribe(`${cluster}.bare.echo`, {
    callback: (_e, msg) => {
      msg.respond(msg.data);
    },
  });
  let count = 0;
  let expect = 0;
  nc.subscribe(`${cluster}.bare.expect`, {
    callback: (_e, msg) => {
      count = 0;
      expect = Number(new TextDecoder().decode(msg.data));
      msg.respond(msg.data);
    },
  });
  nc.subscribe(`${cluster}.bare.sink`, {
    callback: () => {
      if (++count === expect) nc.publish(`${cluster}.bare.done`, new Uint8Array(0));
    },
  });
  await nc.flush();
  process.stdin.on('end', () => {
    void nc
      .close()
      .then(() => dist.stop())
      .then(() => process.exit(0));
  });
  process.stdin.resume();
  process.stdout.write(`ready ${dist.node.id} ${pid.id}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`bench-b failed: ${error.stack}\n`);
  process.exit(1);
});
