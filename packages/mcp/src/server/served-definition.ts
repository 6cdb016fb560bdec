import type { Implementation } from '../types/base';
import type { ServerCapabilities } from '../types/lifecycle';
import type { LoggingLevel } from '../types/logging';
import type { CacheHint } from './modern';
import type { PromptRegistry } from './prompts';
import type { HandleStore } from './handles';
import type { RequestStateSigner } from './request-state';
import type { TaskStore } from './tasks';
import type { ResourceRegistry } from './resources';
import type { ToolRegistry } from './tools';

// What a session needs of the definition it serves, and what the definition calls on its
// sessions: the two sides of definition.ts and session.ts, so that neither imports the other.

/** A change to a definition at run time, which its live sessions turn into notifications. */
export type DefinitionChange = { kind: 'tools' | 'resources' | 'prompts' } | { kind: 'resource-updated'; uri: string };

/** What follows a definition's changes: each live session. */
export interface DefinitionFollower {
  definitionChanged(change: DefinitionChange): void;
}

/** What a session reads of the definition it serves. `McpServerDefinition` is the one implementation. */
export interface ServedDefinition {
  readonly info: Implementation;
  readonly instructions: string | undefined;
  readonly pageSize: number;
  readonly defaultLogLevel: LoggingLevel;
  /** The `ttlMs` and `cacheScope` of cacheable 2026-07-28 results. */
  readonly cacheHint: Readonly<CacheHint>;
  /** Signs and checks `requestState` for multi round-trip requests. */
  readonly requestStates: RequestStateSigner;
  /** Tasks of the tasks extension, per principal. */
  readonly tasks: TaskStore;
  /** Server-minted handles, per principal. */
  readonly handles: HandleStore;
  readonly tools: ToolRegistry;
  readonly resources: ResourceRegistry;
  readonly prompts: PromptRegistry;
  /** The capabilities a session initializing now declares. */
  capabilities(): ServerCapabilities;
  /** A session follows the definition's changes from attach until detach (it closes). */
  attach(follower: DefinitionFollower): void;
  detach(follower: DefinitionFollower): void;
}
