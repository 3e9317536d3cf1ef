// The `@ledger/jetstream/test-support` entry: real nats-server processes for tests and benchmarks,
// kept out of the package's own API.
export {
  findNatsServer,
  freePorts,
  type NatsCluster,
  type NatsServer,
  type NatsServerOptions,
  startNatsCluster,
  startNatsServer,
} from "./nats-server.js";
export { consumerInfo, storedMessages } from "./streams.js";
