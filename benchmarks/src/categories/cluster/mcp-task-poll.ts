import { Agent } from 'node:http';
import type { Measurement } from '../../harness/types';
import { post } from '../../harness/http-post';
import { driveForwarded } from './drive';
import { IN_FLIGHT, JSON_HEADERS, MODERN, startNodes } from './mcp-three-nodes';

/**
 * mcp_task_poll: 2026-07-28 `tasks/get` polls of 16 running tasks, made round robin on three
 * node processes (each task lives on the node that made it). `ours` polls round robin across
 * the three nodes: a poll that lands on another node than the task's (2 in 3) is forwarded to
 * the owner over NATS, as sessions are. The peer sends each poll to the task's own node (a
 * balancer with affinity: nothing forwarded). The ratio is what routing costs a poller behind
 * a plain round-robin balancer.
 */
const TASKS = 16;
const META = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } },
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
};

function request(method: string, name: string, id: number, params: Record<string, unknown>) {
  const headers = { ...JSON_HEADERS, 'mcp-protocol-version': MODERN, 'mcp-method': method, 'mcp-name': name };
  return { headers, body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: META } }) };
}

export async function mcpTaskPoll(roundRobin: boolean, size: number): Promise<Measurement> {
  const nodes = await startNodes(3);
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  try {
    const tasks: { id: string; owner: number }[] = [];
    for (let t = 0; t < TASKS; t++) {
      const owner = t % nodes.urls.length;
      const call = request('tools/call', 'hold', t, { name: 'hold', arguments: {} });
      const made = await post(nodes.urls[owner]!, call.headers, call.body, agent);
      const taskId = (/"taskId":"([^"]+)"/.exec(made.body) ?? [])[1];
      if (made.status !== 200 || taskId === undefined) throw new Error(`hold: ${made.status} ${made.body}`);
      tasks.push({ id: taskId, owner });
    }
    let next = 0;
    const one = async (i: number): Promise<boolean> => {
      const task = tasks[i % TASKS]!;
      const through = roundRobin ? next++ % nodes.urls.length : task.owner;
      const poll = request('tasks/get', task.id, i + 100, { taskId: task.id });
      const answer = await post(nodes.urls[through]!, poll.headers, poll.body, agent);
      if (answer.status !== 200 || !answer.body.includes('"status":"working"'))
        throw new Error(`tasks/get: ${answer.status} ${answer.body}`);
      return through !== task.owner;
    };
    const run = await driveForwarded(size, IN_FLIGHT, one);
    for (const task of tasks) {
      const cancel = request('tasks/cancel', task.id, 1, { taskId: task.id });
      await post(nodes.urls[task.owner]!, cancel.headers, cancel.body, agent);
    }
    return {
      value: run.perSecond,
      p50Us: run.p50Us,
      p99Us: run.p99Us,
      detail: { forwardedShare: run.forwardedShare },
    };
  } finally {
    agent.destroy();
    await nodes.stop();
  }
}
