'use strict';
// Registers itself in the shared registry, beats twice, then idles.
const { run, hang, post } = require('./common');

run(({ registry }, shm) => {
  const reg = shm.ThreadRegistry.attach(registry);
  reg.register();
  reg.heartbeat();
  reg.heartbeat();
  post({ type: 'registered', threadId: require('node:worker_threads').threadId });
  hang();
});
