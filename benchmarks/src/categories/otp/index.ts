import path from 'node:path';
import type { Category } from '../../harness/types';
import * as nact from './nact';
import * as ours from './ours';
import * as statem from './statem';
import * as event from './event';

/**
 * The foundation's figures against nact 7.6.2 (targets from the foundation issue). Every
 * scenario is also measured in the mixed mode (`<name>_mixed`, issue 13): inside the mixed
 * application, whose GenServers and nact actors have run first; the targets apply to it.
 */
export const otp: Category = {
  name: 'otp',
  peer: 'nact 7.6.2',
  readme: path.resolve(__dirname, '../../../../packages/otp/README.md'),
  scenarios: [
    {
      name: 'cast',
      unit: 'msgs/s',
      size: { full: 1_000_000, smoke: 10_000 },
      mixed: 'child',
      target: 15,
      ours: ours.cast,
      peer: nact.cast,
    },
    {
      name: 'call',
      unit: 'calls/s',
      size: { full: 200_000, smoke: 2_000 },
      mixed: 'child',
      target: 5,
      ours: ours.call,
      peer: nact.call,
    },
    {
      name: 'call_concurrent',
      unit: 'calls/s',
      size: { full: 200_000, smoke: 2_000 },
      mixed: 'child',
      target: 5,
      ours: ours.callConcurrent,
      peer: nact.callConcurrent,
    },
    {
      name: 'ping_pong',
      unit: 'exchanges/s',
      size: { full: 500_000, smoke: 5_000 },
      mixed: 'child',
      target: 5,
      ours: ours.pingPong,
      peer: nact.pingPong,
    },
    {
      name: 'spawn',
      unit: 'spawns/s',
      size: { full: 100_000, smoke: 1_000 },
      mixed: 'child',
      target: 2,
      ours: ours.spawnRate,
      peer: nact.spawnRate,
    },
    {
      name: 'statem_call',
      unit: 'calls/s',
      size: { full: 200_000, smoke: 2_000 },
      mixed: 'child',
      target: 0.8,
      peerLabel: 'our GenServer call',
      ours: statem.statemCall,
      peer: ours.call,
    },
    {
      name: 'event_notify',
      unit: 'notifications/s',
      size: { full: 200_000, smoke: 2_000 },
      mixed: 'child',
      peerLabel: 'EventEmitter, 10 listeners',
      ours: event.eventNotify,
      peer: event.emitterNotify,
    },
    {
      name: 'process_memory',
      unit: 'bytes/process',
      lowerIsBetter: true,
      size: { full: 100_000, smoke: 1_000 },
      mixed: 'child',
      target: 2,
      ours: ours.processMemory,
      peer: nact.processMemory,
    },
  ],
};
