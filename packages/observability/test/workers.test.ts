import { exit, GenServer, Node, schedulers, Supervisor, whereis, type Pid } from '@erlmcp/otp';
import { Observer, RuntimeMetrics, type ProcessView } from '@erlmcp/observability';
import { sample } from './sample';

/** Runs on scheduler 1 (a worker thread, compiled code): see fixtures/worker.js. */
const counter = GenServer.remote<never>(require.resolve('./fixtures/worker.js'), 'counter');

/** Waits, bounded in count and time, until `read` gives a value past `floor`. */
async function until(read: () => Promise<number>, floor: number): Promise<number> {
  for (let i = 0; i < 400; i++) {
    const value = await read();
    if (value > floor) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  return read();
}

describe("telemetry of a worker scheduler's processes reaches the metrics on the main thread", () => {
  let node: Node;
  let metrics: RuntimeMetrics;

  beforeEach(async () => {
    node = Node.start({ schedulers: 2, logLevel: 'silent' });
    metrics = new RuntimeMetrics({ node, defaultMetrics: false });
    // The workers learn what to forward by a message: events before it stay on their threads.
    await metrics.ready;
  });

  afterEach(async () => {
    metrics.close();
    await node.stop();
  });

  const scrape = (): Promise<string> => metrics.metrics();

  it('counts a spawn, the messages handled, lookups and an exit on scheduler 1', async () => {
    const behaviour = 'gen_server:metrics_worker_counter';
    const spawnsBefore = sample(await scrape(), 'erlmcp_process_spawns_total', { behaviour });
    const messagesBefore = sample(await scrape(), 'erlmcp_scheduler_messages_total', { scheduler: '1' });
    const pid: Pid = await GenServer.start(counter, undefined, { scheduler: 1, name: 'metrics_worker' });
    for (let i = 0; i < 200; i++) GenServer.cast(pid, 'tick');
    expect(await GenServer.call(pid, 'count')).toBe(200);
    // 640 whereis on scheduler 1: one in 64 is timed, so at least 10 land in the histogram.
    expect(await GenServer.call(pid, { lookups: 640, name: 'metrics_worker' } as never)).toBe(640);

    const spawns = await until(
      async () => sample(await scrape(), 'erlmcp_process_spawns_total', { behaviour }),
      spawnsBefore,
    );
    expect(spawns).toBe(spawnsBefore + 1);
    const messages = await until(
      async () => sample(await scrape(), 'erlmcp_scheduler_messages_total', { scheduler: '1' }),
      messagesBefore + 201,
    );
    expect(messages).toBeGreaterThanOrEqual(messagesBefore + 202);
    const lookups = await until(
      async () => sample(await scrape(), 'erlmcp_registry_lookup_duration_seconds', { registry: 'local' }),
      9,
    );
    expect(lookups).toBeGreaterThanOrEqual(10);

    const exitsBefore = sample(await scrape(), 'erlmcp_process_exits_total', { reason: 'normal' });
    GenServer.cast(pid, 'stop');
    const exits = await until(
      async () => sample(await scrape(), 'erlmcp_process_exits_total', { reason: 'normal' }),
      exitsBefore,
    );
    expect(exits).toBe(exitsBefore + 1);
    expect(schedulers()[1]!.alive).toBe(true);
  });

  it('shows the memory of a registered process on scheduler 1', async () => {
    const pid: Pid = await GenServer.start(counter, undefined, { scheduler: 1, name: 'metrics_worker_mem' });
    const idle = await until(
      async () => sample(await scrape(), 'erlmcp_process_memory_bytes', { name: 'metrics_worker_mem' }),
      0,
    );
    expect(idle).toBeGreaterThan(0);
    GenServer.cast(pid, 'stop');
  });

  it("shows a restart under a supervisor on scheduler 1 in the observer's tree, with the supervisor's name in the metrics", async () => {
    const sup = await Supervisor.start(
      { module: require.resolve('./fixtures/worker.js'), export: 'tree' },
      {
        scheduler: 1,
        name: 'metrics_tree_sup',
      },
    );
    const own = new Observer({ node, applications: [{ name: 'far', root: sup }] });
    await own.ready;
    exit(whereis('metrics_tree_counter')!, 'kill');
    const restarts = await until(
      async () => sample(await scrape(), 'erlmcp_supervisor_restarts_total', { supervisor: 'metrics_tree_sup' }),
      0,
    );
    expect(restarts).toBe(1);
    let child: ProcessView | undefined;
    for (let i = 0; i < 200 && child?.restarts !== 1; i++) {
      child = (await own.snapshot()).applications[0]?.tree?.children[0];
      if (child?.restarts !== 1) await new Promise((r) => setTimeout(r, 25));
    }
    expect(child).toMatchObject({ id: 'worker-counter', scheduler: 1, restarts: 1, currentCallback: null });
    expect(child!.memory).toBeGreaterThan(0);
    own.close();
    await GenServer.stop(sup);
  });
});
