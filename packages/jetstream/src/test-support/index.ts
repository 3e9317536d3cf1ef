// The `@ledger/jetstream/test-support` entry: real nats-server processes for tests and benchmarks,
// kept out of the package's own API.
export {
  findNatsServer,
  freePort,
  type NatsServer,
  type NatsServerOptions,
  startNatsServer,
} from "./nats-server.js";
export { consumerInfo, storedMessages } from "./streams.js";
