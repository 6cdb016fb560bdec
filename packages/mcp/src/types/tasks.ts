import type { Result } from './base';
import type { InputRequests } from './input-requests';
import type { CallToolResult } from './tools';

// The tasks extension (io.modelcontextprotocol/tasks; ext-tasks specification/2026-07-28/tasks.md):
// a tools/call answered with a task the client polls (tasks/get), feeds (tasks/update) and ends
// (tasks/cancel).

/** The extension's identifier, as declared in `capabilities.extensions`. */
export const TASKS_EXTENSION_ID = 'io.modelcontextprotocol/tasks';

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

/** What every task shape carries. */
export interface Task {
  taskId: string;
  status: TaskStatus;
  /** The server's word on the current state; may be shown to the user or model. */
  statusMessage?: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  lastUpdatedAt: string;
  /** From creation; null: unlimited. The server may discard the task after it. */
  ttlMs: number | null;
  /** How often the client should poll, ms. */
  pollIntervalMs?: number;
}

export interface WorkingTask extends Task {
  status: 'working';
}

/** Waiting for `tasks/update` with answers to `inputRequests` (keys unique over the task's life). */
export interface InputRequiredTask extends Task {
  status: 'input_required';
  inputRequests: InputRequests;
}

/** Done: `result` is what the tool call would have answered inline (an `isError` result included). */
export interface CompletedTask extends Task {
  status: 'completed';
  result: CallToolResult;
}

/** Ended by a JSON-RPC error during execution. */
export interface FailedTask extends Task {
  status: 'failed';
  error: { code: number; message: string; data?: unknown };
}

export interface CancelledTask extends Task {
  status: 'cancelled';
}

/** A task with what its status carries: the answer to `tasks/get`, and `notifications/tasks`. */
export type DetailedTask = WorkingTask | InputRequiredTask | CompletedTask | FailedTask | CancelledTask;

/** `resultType: "task"`: the server took a `tools/call` as a task (the seed state of it). */
export interface CreateTaskResult extends Result, Task {
  resultType: 'task';
}
