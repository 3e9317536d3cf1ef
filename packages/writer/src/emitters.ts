import type { ArtifactCreatedEvent, RunCompletedEvent, RunCreatedEvent } from "@ledger/schema";
import type { Appended, Appender, EventInputLike } from "./appender.js";

type Json = Record<string, unknown>;

export interface EmitterOptions {
  /**
   * `true`: a failed emit rejects, as the writer does. `false`: it resolves `undefined`, calls
   * `onError`, counts the failure and marks the writer's health "logging degraded", so a backtest
   * never crashes because logging failed. @default true
   */
  throwOnError?: boolean;
  /** Called with every failed emit in non-throwing mode. */
  onError?: (error: unknown, event: EventInputLike) => void;
}

/** The run-scoped emitters, with the run id bound. */
export interface RunScope {
  readonly runId: string;
  created(
    runType: string,
    config: Json,
    dataFingerprint: string,
    extra?: RunCreatedExtra,
  ): Promise<Appended | undefined>;
  started(): Promise<Appended | undefined>;
  completed(summary: Json, artifactPaths: string[], extra?: RunCompletedExtra): Promise<Appended | undefined>;
  phaseStarted(phase: string, order: number): Promise<Appended | undefined>;
  phaseCompleted(phase: string, durationMs: number, outputSummary: Json): Promise<Appended | undefined>;
  trial(trialId: string, params: Json, metrics: Record<string, number>): Promise<Appended | undefined>;
  baseline(baselineId: string, metrics: Record<string, number>): Promise<Appended | undefined>;
  artifact(artifact: ArtifactFields): Promise<Appended | undefined>;
}

export type RunCreatedExtra = Partial<Pick<RunCreatedEvent, "git" | "workspace_id" | "configuration_id">>;
export type RunCompletedExtra = Partial<Pick<RunCompletedEvent, "status" | "exit_code">>;
export type ArtifactFields = Pick<
  ArtifactCreatedEvent,
  "artifact_id" | "kind" | "path" | "format" | "bytes" | "sha256"
>;

/**
 * Typed emitters for every core event type (`emitRunCreated`, `emitPhaseStarted`, ...), named as
 * the backtest code in ledger's original design notes calls them.
 * The writer fills ids, timestamps and per-run `seq`.
 */
export function createEmitter(writer: Appender, options: EmitterOptions = {}) {
  const throwing = options.throwOnError ?? true;

  function degrade(error: unknown, event: EventInputLike): undefined {
    writer.markDegraded(error);
    options.onError?.(error, event);
    return undefined;
  }

  // The append's own promise, not one more async frame around it: each frame is a promise hop
  // on every acknowledgement.
  function emit(event: EventInputLike): Promise<Appended | undefined> {
    let appended: Promise<Appended>;
    try {
      appended = writer.append(event);
    } catch (error) {
      appended = Promise.reject(error);
    }
    return throwing ? appended : appended.catch((error) => degrade(error, event));
  }

  const emitter = {
    emit,
    emitRunCreated: (
      runId: string,
      runType: string,
      config: Json,
      dataFingerprint: string,
      extra: RunCreatedExtra = {},
    ) =>
      emit({
        event_type: "run.created",
        run_id: runId,
        run_type: runType,
        config,
        data_fingerprint: dataFingerprint,
        ...extra,
      }),
    emitRunStarted: (runId: string) => emit({ event_type: "run.started", run_id: runId }),
    emitRunCompleted: (
      runId: string,
      summary: Json,
      artifactPaths: string[],
      extra: RunCompletedExtra = {},
    ) =>
      emit({
        event_type: "run.completed",
        run_id: runId,
        status: "succeeded",
        summary,
        artifact_paths: artifactPaths,
        ...extra,
      }),
    emitPhaseStarted: (runId: string, phase: string, order: number) =>
      emit({ event_type: "phase.started", run_id: runId, phase, phase_order: order }),
    emitPhaseCompleted: (runId: string, phase: string, durationMs: number, outputSummary: Json) =>
      emit({
        event_type: "phase.completed",
        run_id: runId,
        phase,
        duration_ms: durationMs,
        output_summary: outputSummary,
      }),
    emitTrialRecorded: (runId: string, trialId: string, params: Json, metrics: Record<string, number>) =>
      emit({ event_type: "trial.recorded", run_id: runId, trial_id: trialId, params, metrics }),
    emitBaselineCompleted: (runId: string, baselineId: string, metrics: Record<string, number>) =>
      emit({ event_type: "baseline.completed", run_id: runId, baseline_id: baselineId, metrics }),
    emitArtifactCreated: (runId: string, artifact: ArtifactFields) =>
      emit({ event_type: "artifact.created", run_id: runId, ...artifact }),

    /** Binds a run id; per-run `seq` comes from the writer, from 1 with no gaps. */
    run(runId: string): RunScope {
      return {
        runId,
        created: (t, c, f, x) => emitter.emitRunCreated(runId, t, c, f, x),
        started: () => emitter.emitRunStarted(runId),
        completed: (s, a, x) => emitter.emitRunCompleted(runId, s, a, x),
        phaseStarted: (p, o) => emitter.emitPhaseStarted(runId, p, o),
        phaseCompleted: (p, d, o) => emitter.emitPhaseCompleted(runId, p, d, o),
        trial: (id, p, m) => emitter.emitTrialRecorded(runId, id, p, m),
        baseline: (id, m) => emitter.emitBaselineCompleted(runId, id, m),
        artifact: (a) => emitter.emitArtifactCreated(runId, a),
      };
    },
  };
  return emitter;
}

export type Emitter = ReturnType<typeof createEmitter>;
