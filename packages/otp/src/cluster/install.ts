import { installClusterStarter } from '../node';

// The cluster installs itself into the node here, so that node.ts and the behaviours never
// import cluster/ (which imports them). The package entry imports this file; the cluster
// module itself (worker threads, shared memory, comlink) loads only when a node asks for
// more than one scheduler.
installClusterStarter((node, schedulers, options) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily on purpose: a one-scheduler node never loads worker_threads, shm or comlink
  const { startCluster } = require('./cluster') as typeof import('./cluster');
  startCluster(node, schedulers, options);
});
