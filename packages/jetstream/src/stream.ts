import { DEFAULT_MAX_LINE_BYTES, LedgerError } from "@ledger/schema";
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import { type ConnectOptions, connectNats, serverList } from "./connect.js";
import {
  JetStreamRefusedError,
  StreamConflictError,
  StreamMissingError,
  TransportUnavailableError,
} from "./errors.js";
import { assertSubjectPrefix, DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX } from "./subjects.js";

export interface EnsureStreamOptions extends ConnectOptions {
  /** @default "LEDGER" */
  stream?: string;
  /** The stream takes `<prefix>.>`. @default "ledger" */
  subjectPrefix?: string;
  /** Copies of every message: 1 (one server) or 3 (a cluster of at least three). @default 1 */
  replicas?: 1 | 3;
  /**
   * How long JetStream remembers message ids to drop a resent copy: a producer's retries of one
   * event must fall inside it. @default 120000 (2 minutes)
   */
  duplicateWindowMs?: number;
  /**
   * Messages older than this are dropped, landed or not: the longest a sink may be down without
   * losing events. 0 keeps them until removed by hand. @default 0
   */
  maxAgeMs?: number;
  /** Oldest messages are dropped past this many bytes (landed or not); -1 for no limit. @default -1 */
  maxBytes?: number;
  /** Largest message the stream takes: the log's line limit. @default 1 MiB */
  maxMessageBytes?: number;
}

export interface EnsuredStream {
  stream: string;
  subjects: string[];
  replicas: number;
  duplicateWindowMs: number;
  /** What was done: the stream was made, its limits changed, or it already matched. */
  action: "created" | "updated" | "unchanged";
}

const MS = 1_000_000;

/**
 * Creates the stream ledger appends to, or brings an existing one's replicas, duplicate window and
 * limits to the ones asked for; running it again changes nothing. File storage, limits retention,
 * discarding the oldest messages at a limit: only what nats-server 2.9 supports.
 * @throws StreamConflictError (`LEDGER_STREAM_CONFLICT`) when the stream exists with memory
 * storage or without the ledger's subjects, which cannot be changed in place
 */
export async function ensureStream(options: EnsureStreamOptions): Promise<EnsuredStream> {
  const name = options.stream ?? DEFAULT_STREAM;
  const prefix = options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
  assertSubjectPrefix(prefix);
  const wanted = {
    subjects: [`${prefix}.>`],
    num_replicas: options.replicas ?? 1,
    duplicate_window: nanos(options.duplicateWindowMs ?? 120_000),
    max_age: nanos(options.maxAgeMs ?? 0),
    max_bytes: options.maxBytes ?? -1,
    max_msg_size: options.maxMessageBytes ?? DEFAULT_MAX_LINE_BYTES,
  };
  const nc = await connectNats(options);
  try {
    return await jsApi(serverList(options.servers), async () => {
      // A single 2.9 server takes an update to three replicas and reports it, yet keeps one copy.
      if (wanted.num_replicas > 1 && nc.info?.cluster === undefined) {
        throw new JetStreamRefusedError(
          serverList(options.servers),
          `${wanted.num_replicas} replicas need a cluster of at least ${wanted.num_replicas} servers, and this server is not in one`,
        );
      }
      const jsm = await jetstreamManager(nc);
      const existing = await streamConfig(jsm, name);
      let action: EnsuredStream["action"] = "unchanged";
      if (!existing) {
        await jsm.streams.add({
          name,
          ...wanted,
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.Old,
        });
        action = "created";
      } else {
        if (existing.storage !== StorageType.File) {
          throw new StreamConflictError(name, `${existing.storage} storage (ledger needs file storage)`);
        }
        if (!existing.subjects?.includes(wanted.subjects[0]!)) {
          throw new StreamConflictError(
            name,
            `subjects ${JSON.stringify(existing.subjects ?? [])} do not include ${wanted.subjects[0]}`,
          );
        }
        const changed = (
          ["num_replicas", "duplicate_window", "max_age", "max_bytes", "max_msg_size"] as const
        ).some((k) => existing[k] !== wanted[k]);
        if (changed) {
          await jsm.streams.update(name, { ...existing, ...wanted, subjects: existing.subjects });
          action = "updated";
        }
      }
      const info = await jsm.streams.info(name);
      return {
        stream: name,
        subjects: info.config.subjects ?? [],
        replicas: info.config.num_replicas,
        duplicateWindowMs: (info.config.duplicate_window ?? 0) / MS,
        action,
      };
    });
  } finally {
    await nc.close();
  }
}

/** Rejects with `StreamMissingError` unless the stream exists. */
export async function assertStreamExists(nc: NatsConnection, stream: string, servers: string): Promise<void> {
  await jsApi(servers, async () => {
    if (!(await streamConfig(await jetstreamManager(nc), stream)))
      throw new StreamMissingError(stream, servers);
  });
}

async function streamConfig(jsm: JetStreamManager, stream: string): Promise<StreamConfig | undefined> {
  try {
    return (await jsm.streams.info(stream)).config;
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)
      return undefined;
    throw error;
  }
}

/**
 * Runs JetStream API calls, turning the client's errors into typed ones: a refusal (a 4xx API
 * error) into `JetStreamRefusedError`; anything else (JetStream not enabled, a request that timed
 * out during a leader election, a closed connection) into `TransportUnavailableError`.
 */
export async function jsApi<T>(servers: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof LedgerError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof JetStreamApiError && error.status < 500) {
      throw new JetStreamRefusedError(servers, reason, error);
    }
    throw new TransportUnavailableError(`JetStream on ${servers} did not answer: ${reason}`, error);
  }
}
