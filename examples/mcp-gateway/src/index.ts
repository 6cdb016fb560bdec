export { startGateway, type Gateway, type GatewayOptions } from './gateway';
export { defaultUpstreams, stdioUpstream, type Upstream } from './upstreams';
export { UPSTREAM_CLOSED, UPSTREAM_UNAVAILABLE, upstreamError } from './errors';
export { SEPARATOR } from './catalog';
