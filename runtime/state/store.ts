// The state store interface: every run's metadata and an append-only log of
// what happened (task results, injected tasks, memory writes), written after
// every task so an interrupted run can resume. One file per implementation.

import type { JsonValue } from "../../compiler/ir.ts";

export type RunStatus = "RUNNING" | "COMPLETED" | "FAILED";
export type TaskState = "PENDING" | "RUNNING" | "COMPLETED" | "FAILED" | "SKIPPED";

export interface RunMeta {
  readonly runId: string;
  readonly flow: string;
  /** SHA-256 of the IR's canonical JSON: a resume must run the same IR. */
  readonly irHash: string;
  /** The IR itself, so `--resume` needs nothing else. */
  readonly ir: JsonValue;
  readonly inputs: { readonly [name: string]: JsonValue };
  /** ISO date-time. */
  readonly createdAt: string;
  /** Where the IR's file locations are relative to (the folder the flow was compiled in). */
  readonly baseDir?: string;
  /** The work folder file tools were confined to. */
  readonly workDir?: string;
}

/** One entry of a run's log. */
export type LogRecord =
  | {
      readonly kind: "task";
      readonly taskId: string;
      readonly state: "COMPLETED" | "FAILED" | "SKIPPED";
      readonly attempts: number;
      readonly durationMs: number;
      readonly output?: JsonValue;
      readonly error?: string;
      /** Why a task was skipped. */
      readonly reason?: string;
      /** Skipped because a task it waits for failed: run again on resume. */
      readonly upstreamFailed?: boolean;
      /** Messages of guards that failed on earlier attempts. */
      readonly guardFailures?: readonly string[];
    }
  /** One item of a fan-out task, so a resume does not redo finished items. */
  | { readonly kind: "item"; readonly taskId: string; readonly index: number; readonly output: JsonValue; readonly attempts: number }
  | { readonly kind: "inject"; readonly injector: string; readonly template: string; readonly taskId: string }
  | { readonly kind: "memory"; readonly agent: string; readonly text: string }
  | { readonly kind: "end"; readonly status: "COMPLETED" | "FAILED"; readonly output?: JsonValue; readonly error?: string };

export interface RunSummary {
  readonly runId: string;
  readonly flow: string;
  readonly status: RunStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface StoredRun {
  readonly meta: RunMeta;
  readonly status: RunStatus;
  /** In the order written. */
  readonly log: readonly LogRecord[];
}

export interface StateStore {
  /** Registers a new run (status RUNNING). Fails if the id exists. */
  createRun(meta: RunMeta): Promise<void>;
  /** Appends records to a run's log atomically (all or none), in order. */
  append(runId: string, records: readonly LogRecord[]): Promise<void>;
  /** Sets the run's status (the `end` record is appended by the caller). */
  setStatus(runId: string, status: RunStatus): Promise<void>;
  loadRun(runId: string): Promise<StoredRun | undefined>;
  /** Newest first. */
  listRuns(limit?: number): Promise<RunSummary[]>;
  close(): Promise<void>;
}

/** A store that cannot be used as asked: corrupt, foreign, or unreachable. */
export class StateStoreError extends Error {
  override readonly name = "StateStoreError";
}
