/**
 * The public entry point of @erlmcp/otp.
 *
 * Values are re-exported as plain properties (`export const X = m.X`), not with
 * `export { X } from`: TypeScript compiles the latter to a getter per access in
 * CommonJS, which a hot loop of casts pays for on every call. Classes use
 * `export import X = m.X`, which compiles to the same plain property and also
 * re-exports the class's type itself (not an alias of it), so that a user's
 * declaration files can name it as `import("@erlmcp/otp").X`: the package's
 * `exports` map hides dist/pid and the like.
 */
import * as m_pid from './pid';
import * as m_node from './node';
import * as m_dist_port from './distribution/port';
import * as m_node_down from './distribution/node-down-error';
import * as m_messages from './messages';
import * as m_reason from './reason';
import * as m_call from './call';
import * as m_gen_server from './gen-server';
import * as m_application from './application';
import * as m_errors from './errors';
import * as m_api from './api';
import * as m_names from './names';
import * as m_gen_server_types from './gen-server-types';
import * as m_gen_statem from './gen-statem';
import * as m_sys from './sys';
import * as m_gen_event from './gen-event';
import * as m_behaviour_system from './behaviour-system';
import * as m_supervisor from './supervisor';
import * as m_dynamic_supervisor from './dynamic-supervisor';
import * as m_introspection from './introspection';
import * as m_logger from './logger';
import * as m_current from './current';
// The cluster installs its starter into Node (loaded lazily, only when schedulers > 1).
import './cluster/install';
import * as m_proc_lib from './proc-lib';
import * as m_node_runtime from './node-runtime';

export import Pid = m_pid.Pid;
export import Ref = m_pid.Ref;
export import Node = m_node.Node;
/** One node's side of distribution (driven by a transport: @erlmcp/distribution over NATS). */
export import DistributionPort = m_dist_port.DistributionPort;
export import NodeDownError = m_node_down.NodeDownError;
export import ExitMessage = m_messages.ExitMessage;
export import DownMessage = m_messages.DownMessage;
export import Crash = m_reason.Crash;
export import ExitSignal = m_reason.ExitSignal;
export import From = m_call.From;
export import IgnoredError = m_gen_server.IgnoredError;
export import RunningApplication = m_application.RunningApplication;
export import OtpError = m_errors.OtpError;
export import NoProcError = m_errors.NoProcError;
export import CallTimeoutError = m_errors.CallTimeoutError;
export import CallExitError = m_errors.CallExitError;
export import AlreadyRegisteredError = m_errors.AlreadyRegisteredError;
export import AlreadyStartedError = m_errors.AlreadyStartedError;
export import StartError = m_errors.StartError;
export import InvalidChildSpecError = m_errors.InvalidChildSpecError;
export import DuplicateChildError = m_errors.DuplicateChildError;
export import ChildError = m_errors.ChildError;
export import MaxChildrenError = m_errors.MaxChildrenError;
export import NoCurrentProcessError = m_errors.NoCurrentProcessError;
export import NodeNotStartedError = m_errors.NodeNotStartedError;
export import BadArgError = m_errors.BadArgError;
export import NoStateHandlerError = m_errors.NoStateHandlerError;
export import SystemDebug = m_behaviour_system.SystemDebug;
export import InitRequest = m_proc_lib.InitRequest;
export import StopRequest = m_proc_lib.StopRequest;
export import GenEventExit = m_gen_event.GenEventExit;
export import HandlerError = m_gen_event.HandlerError;

export const isPid = m_pid.isPid;
export const isNormalExit = m_reason.isNormalExit;
export const formatReason = m_reason.formatReason;
export const spawn = m_api.spawn;
export const spawnLink = m_api.spawnLink;
export const spawnMonitor = m_api.spawnMonitor;
export const send = m_api.send;
export const self = m_api.self;
export const link = m_api.link;
export const unlink = m_api.unlink;
export const monitor = m_api.monitor;
export const demonitor = m_api.demonitor;
export const trapExit = m_api.trapExit;
export const exit = m_api.exit;
export const register = m_api.register;
export const unregister = m_api.unregister;
export const whereis = m_api.whereis;
export const registered = m_api.registered;
export const sendAfter = m_api.sendAfter;
export const cancelTimer = m_api.cancelTimer;
export const cancelTimerAsync = m_api.cancelTimerAsync;
export const makeRef = m_api.makeRef;
export const awaitExit = m_api.awaitExit;
/** The node the module-level functions use (its `events` bus, logger, ...); throws NodeNotStartedError if none. */
export const currentNode = m_current.currentNode;
export const currentPid = m_api.currentPid;
export const via = m_names.via;
export const GenServer = m_gen_server.GenServer;
export const ok = m_gen_server_types.ok;
export const ignore = m_gen_server_types.ignore;
export const reply = m_gen_server_types.reply;
export const noreply = m_gen_server_types.noreply;
export const stop = m_gen_server_types.stop;
export const replyAndStop = m_gen_server_types.replyAndStop;
export const continueWith = m_gen_server_types.continueWith;
export const hibernate = m_gen_server_types.hibernate;
export const GenStatem = m_gen_statem.GenStatem;
export const ProcLib = m_proc_lib.ProcLib;
export const nodeRuntime = m_node_runtime.nodeRuntime;
export const sys = m_sys.sys;
export const GenEvent = m_gen_event.GenEvent;
export const isSysRequest = m_sys.isSysRequest;
export const Supervisor = m_supervisor.Supervisor;
export const DynamicSupervisor = m_dynamic_supervisor.DynamicSupervisor;
export const Application = m_application.Application;
export const processInfo = m_introspection.processInfo;
export const processes = m_introspection.processes;
export const supervisionTree = m_introspection.supervisionTree;
export const processInfoAsync = m_introspection.processInfoAsync;
export const schedulerOfPid = m_introspection.schedulerOfPid;
export const isProcessAlive = m_introspection.isProcessAlive;
export const allProcesses = m_introspection.allProcesses;
export const schedulers = m_introspection.schedulers;
export const createLogger = m_logger.createLogger;

export type { NodeOptions, Stoppable } from './node';
export type { ProcessContext, ProcessBody, Behaviour, SpawnOptions, LinkOptions } from './context';
export type { SystemMessage } from './messages';
export type { ExitReason, ShutdownWith } from './reason';
export type { NameService, ViaName, ServerName } from './names';
export type {
  Continue,
  Hibernate,
  After,
  InitOk,
  Ignore,
  ReplyResult,
  NoReplyResult,
  StopResult,
  InitResult,
  CallResult,
  CastResult,
  InfoMessage,
  GenServerDef,
  ServerPid,
  ServerNameOf,
  ServerRef,
  RequestFor,
  ReplyFor,
  CastFor,
  CallOf,
  ReplyOf,
  CastOf,
  ArgsOf,
  StartOptions,
  RequestWithReply,
  ReplyTo,
} from './gen-server-types';
export type { StatemDef, Machine } from './gen-statem';
export type { SysRequest, SysStatus, SysStatistics, StateFunctionSpec } from './sys';
export type { SystemView } from './behaviour-system';
export type {
  BehaviourFactory,
  ProcLibPlacement,
  ProcLibStartOptions,
  RemoteBehaviour,
  SpecialBehaviour,
} from './proc-lib';
export type {
  EventHandler,
  HandlerId,
  HandlerOk,
  HandlerReply,
  HandlerRef,
  HandlerSpec,
  RemoveHandler,
  HandlerStop,
} from './gen-event';
export type {
  StatemEvent,
  CallEvent,
  CastEvent,
  InfoEvent,
  TimeoutEvent,
  GenericTimeoutEvent,
  InternalEvent,
  EnterEvent,
  Action,
  EnterAction,
  ReplyAction,
  PostponeAction,
  NextEventAction,
  HibernateAction,
  TimeoutAction,
  EventResult,
  NextState,
  KeepState,
  RepeatState,
  StatemStop,
  StatemStopAndReply,
  StatemInitOk,
  StatemInitResult,
  StatemTimers,
  StateFunctionsDef,
  HandleEventDef,
  StateHandler,
} from './gen-statem-types';
export type { CallHandlers, HandleCallByType, RequestsWithReplies, TypedRequest } from './call-handlers';
export type { SupervisorSpec, ChildInfo, ChildCounts, SupervisorStartOptions } from './supervisor';
export type {
  ChildSpec,
  Strategy,
  RestartType,
  Shutdown,
  ChildType,
  SupervisorFlags,
  StartFunction,
} from './child-spec';
export type { DynamicSupervisorSpec, ChildTemplate, DynamicSupervisorRef } from './dynamic-supervisor';
export type { ApplicationSpec } from './application';
export type { ProcessInfo, ProcessStatus, TreeNode } from './introspection';
export type { TelemetryEvents, TelemetryBus } from './telemetry';
export { LOOKUP_SAMPLE_EVERY } from './telemetry';
export { forwardTelemetry, timeLookups } from './forward-telemetry';
export { TELEMETRY_FLUSH_MS } from './cluster/telemetry-forward';
export { MEMORY_WALK_LIMIT, type ProcessMemory } from './process-memory';
export type { Logger } from './logger';
export type { SchedulerOptions } from './scheduler';
export type { SchedulerStats } from './cluster/scheduler-api';
export type { RemoteSpec, Placement, SchedulerDown } from './cluster/remote';
export type { FrameTransport } from './distribution/relations';
export type { RemotePlacement } from './distribution/port';
export type { RemoteDef, RemoteOrigin } from './gen-server';
export type { NodeRuntime, RuntimeProcess } from './node-runtime';
