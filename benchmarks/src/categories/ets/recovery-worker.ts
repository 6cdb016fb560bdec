/**
 * The worker side of lock_recovery: takes a stripe-style lock (a SeqLock's
 * robust writer mutex) for writing and holds it, then either dies holding it
 * (terminated by the main thread) or releases it when told.
 */
import { SeqLock, type SeqLockHandle } from '@erlmcp/shm';
import { parentPort, workerData } from 'node:worker_threads';

const lock = SeqLock.attach(workerData as SeqLockHandle);
lock.writerLock.lock();
lock.beginWrite();
parentPort!.on('message', () => {
  lock.endWrite();
  lock.writerLock.unlock();
});
parentPort!.postMessage({ locked: true });
