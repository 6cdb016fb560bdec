// The test suites' nats-server is the one @erlmcp/distribution ships for local clusters.
export { NatsServer, freePort, findNatsServer as natsServerBinary } from '@erlmcp/distribution';
