// The runs of one server process: starts them (under a limit of runs at
// once), follows each through the event stream (per-task states, outputs as
// they are checkpointed, the events themselves for late SSE subscribers),
// keeps the last finished ones in memory, reads older ones back from the
// state store, and on shutdown lets running flows finish within a grace
// period, then stops the rest through their AbortSignal; their finished tasks
// are checkpointed in the state store (when there is one) so the run resumes.

import { randomBytes } from "node:crypto";
import { mkdirSync, rmdirSync } from "node:fs";
import * as nodePath from "node:path";
import { LRUCache } from "lru-cache";
import type { IrProgram } from "../compiler/ir.ts";
import type { ResultCache } from "../runtime/cache.ts";
import { EventBus, type RunEvent } from "../runtime/events.ts";
import { runFlow, type RunResult } from "../runtime/run.ts";
import type { LogRecord, RunMeta, RunStatus, StateStore, TaskState } from "../runtime/state/store.ts";
import type { Value } from "../runtime/values.ts";
import { ApiError } from "./errors.ts";
import type { PreparedFlow } from "./flow-request.ts";

export interface TaskView {
  state: TaskState;
  attempts: number;
  durationMs?: number;
  output?: Value;
  error?: string;
  reason?: string;
  injectedBy?: string;
}

export interface RunView {
  readonly runId: string;
  readonly flow: string;
  readonly status: RunStatus;
  readonly createdAt: string;
  readonly durationMs?: number;
  readonly output?: Value;
  readonly error?: string;
  /** Stopped by a shutdown before it finished; resumable from the state store. */
  readonly interrupted?: boolean;
  readonly tasks: Readonly<Record<string, TaskView>>;
}

export interface RunManagerOptions {
  readonly store?: StateStore;
  readonly cache?: ResultCache;
  /** Every run's events go through this bus (metrics and logs subscribe to it). */
  readonly bus: EventBus;
  /** Each run that uses file or TypeScript tools gets `workRoot/<run id>`. */
  readonly workRoot: string;
  /** Runs at once; more are refused with TOO_MANY_RUNS. */
  readonly maxRunning: number;
  /** Finished runs kept in memory for GET /runs/{id} and their event streams. Default 1000. */
  readonly keepFinished?: number;
  /** Tasks at once within one run. */
  readonly taskConcurrency?: number;
  /** Hosts http_request may reach in served flows; undefined: any. */
  readonly httpAllow?: readonly string[];
}

/** Events kept per run for late subscribers; a run with more keeps the first ones only. */
const MAX_EVENTS_PER_RUN = 10_000;

export type EventListener = (seq: number, event: RunEvent) => void;

/** One run started by this process. */
export class ServedRun {
  readonly runId: string;
  readonly flow: string;
  readonly createdAt: string;
  readonly controller = new AbortController();
  status: RunStatus = "RUNNING";
  interrupted = false;
  result: RunResult | undefined;
  done!: Promise<RunResult>;
  readonly tasks = new Map<string, TaskView>();
  /** Every event of the run, in order; an event's sequence number is its index + 1. */
  readonly events: RunEvent[] = [];
  readonly #listeners = new Set<EventListener>();

  constructor(runId: string, flow: string, program: IrProgram) {
    this.runId = runId;
    this.flow = flow;
    this.createdAt = new Date().toISOString();
    for (const t of program.flows[flow]?.tasks ?? []) this.tasks.set(t.id, { state: "PENDING", attempts: 0 });
  }

  get finished(): boolean {
    return this.result !== undefined;
  }

  /**
   * Calls `listener` with every event after sequence number `after`, first
   * those already seen (at once), then each new one as it happens; returns
   * the function that unsubscribes. Nothing is missed or repeated: events
   * are emitted synchronously, so no event can slip between the two.
   */
  subscribe(after: number, listener: EventListener): () => void {
    for (let i = Math.max(0, after); i < this.events.length; i++) listener(i + 1, this.events[i]!);
    if (this.finished) return () => undefined;
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Follows an event of this run; never throws (the bus would drop the listener). */
  onEvent(e: RunEvent): void {
    if (this.events.length < MAX_EVENTS_PER_RUN || e.type === "run.end") this.events.push(e);
    const seq = this.events.length;
    switch (e.type) {
      case "task.start":
        this.#task(e.taskId).state = "RUNNING";
        this.#task(e.taskId).attempts = Math.max(this.#task(e.taskId).attempts, e.attempt);
        break;
      case "task.complete": {
        const t = this.#task(e.taskId);
        t.state = "COMPLETED";
        t.attempts = e.attempts;
        t.durationMs = round(e.durationMs);
        break;
      }
      case "task.fail": {
        const t = this.#task(e.taskId);
        t.state = "FAILED";
        t.attempts = e.attempts;
        t.durationMs = round(e.durationMs);
        t.error = e.error;
        break;
      }
      case "task.skip": {
        const t = this.#task(e.taskId);
        t.state = "SKIPPED";
        t.reason = e.reason;
        break;
      }
      case "task.inject":
        this.tasks.set(e.taskId, { state: "PENDING", attempts: 0, injectedBy: e.injector });
        break;
      default:
        break;
    }
    for (const l of this.#listeners) {
      try {
        l(seq, e);
      } catch {
        this.#listeners.delete(l);
      }
    }
    if (e.type === "run.end") this.#listeners.clear();
  }

  /** A task's output, as soon as its checkpoint is written. */
  onCheckpoint(records: readonly LogRecord[]): void {
    for (const r of records) {
      if (r.kind === "task" && r.state === "COMPLETED" && r.output !== undefined) this.#task(r.taskId).output = r.output;
    }
  }

  finish(result: RunResult): void {
    this.result = result;
    this.status = result.status;
    this.tasks.clear();
    for (const [id, t] of Object.entries(result.tasks)) this.tasks.set(id, { ...t });
    this.#listeners.clear();
  }

  view(): RunView {
    const r = this.result;
    return {
      runId: this.runId,
      flow: this.flow,
      status: this.status,
      createdAt: this.createdAt,
      ...(r !== undefined ? { durationMs: r.durationMs } : {}),
      ...(r?.output !== undefined ? { output: r.output } : {}),
      ...(r?.error !== undefined ? { error: this.interrupted ? `interrupted by a shutdown: ${r.error}` : r.error } : {}),
      ...(this.interrupted ? { interrupted: true } : {}),
      tasks: Object.fromEntries(this.tasks),
    };
  }

  #task(id: string): TaskView {
    let t = this.tasks.get(id);
    if (t === undefined) this.tasks.set(id, (t = { state: "PENDING", attempts: 0 }));
    return t;
  }
}

export class RunManager {
  readonly #o: RunManagerOptions;
  readonly #live = new Map<string, ServedRun>();
  readonly #finished: LRUCache<string, ServedRun>;
  #closing = false;

  constructor(options: RunManagerOptions) {
    this.#o = options;
    this.#finished = new LRUCache({ max: Math.max(1, options.keepFinished ?? 1000) });
    options.bus.on((e) => this.#live.get(e.runId)?.onEvent(e));
  }

  get running(): number {
    return this.#live.size;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Starts a run; throws ApiError (TOO_MANY_RUNS, SHUTTING_DOWN) when it cannot. */
  start(prepared: PreparedFlow): ServedRun {
    if (this.#closing) throw new ApiError("SHUTTING_DOWN", "the server is shutting down and takes no new runs");
    if (this.#live.size >= this.#o.maxRunning) {
      throw new ApiError("TOO_MANY_RUNS", `${this.#live.size} runs are running, the most this server runs at once; try again shortly`);
    }
    const runId = newServerRunId();
    const run = new ServedRun(runId, prepared.flow, prepared.program);
    const workDir = nodePath.join(this.#o.workRoot, runId);
    if (prepared.usesFiles) mkdirSync(workDir, { recursive: true });
    this.#live.set(runId, run);
    run.done = runFlow(prepared.program, prepared.flow, prepared.inputs, {
      store: checkpointFollower(run, this.#o.store),
      events: this.#o.bus,
      workDir,
      baseDir: prepared.baseDir,
      runId,
      signal: run.controller.signal,
      ...(this.#o.taskConcurrency !== undefined ? { concurrency: this.#o.taskConcurrency } : {}),
      ...(this.#o.cache !== undefined ? { cache: this.#o.cache } : {}),
      ...(this.#o.httpAllow !== undefined ? { httpAllow: this.#o.httpAllow } : {}),
    }).then(
      (result) => {
        this.#retire(run, result, prepared.usesFiles ? workDir : undefined);
        return result;
      },
      (err: unknown) => {
        // The runtime reports flow failures as results; a throw is a state store that failed.
        const message = err instanceof Error ? err.message : String(err);
        const result: RunResult = { runId, flow: prepared.flow, status: "FAILED", durationMs: 0, tasks: {}, error: message };
        this.#o.bus.emit({ type: "run.end", runId, flow: prepared.flow, status: "FAILED", durationMs: 0, at: Date.now() });
        this.#retire(run, result, prepared.usesFiles ? workDir : undefined);
        return result;
      },
    );
    return run;
  }

  /** A run of this process, running or recently finished. */
  find(runId: string): ServedRun | undefined {
    return this.#live.get(runId) ?? this.#finished.get(runId);
  }

  /** The run's state: from memory, else from the state store. */
  async view(runId: string): Promise<RunView | undefined> {
    const run = this.find(runId);
    if (run !== undefined) return run.view();
    const stored = await this.#o.store?.loadRun(runId);
    if (stored === undefined) return undefined;
    return storedView(stored.meta, stored.status, stored.log);
  }

  /** The events of a run only the state store knows, rebuilt from its log. */
  async storedEvents(runId: string): Promise<RunEvent[] | undefined> {
    const stored = await this.#o.store?.loadRun(runId);
    if (stored === undefined) return undefined;
    const at = Date.parse(stored.meta.createdAt) || Date.now();
    const ir = stored.meta.ir as unknown as IrProgram;
    const events: RunEvent[] = [{ type: "run.start", runId, flow: stored.meta.flow, tasks: (ir.flows?.[stored.meta.flow]?.tasks ?? []).map((t) => t.id), resumed: false, at }];
    for (const r of stored.log) {
      if (r.kind === "task") {
        if (r.state === "COMPLETED") events.push({ type: "task.complete", runId, taskId: r.taskId, attempts: r.attempts, durationMs: r.durationMs, at });
        else if (r.state === "FAILED") events.push({ type: "task.fail", runId, taskId: r.taskId, attempts: r.attempts, durationMs: r.durationMs, error: r.error ?? "failed", at });
        else events.push({ type: "task.skip", runId, taskId: r.taskId, reason: r.reason ?? "skipped", at });
      } else if (r.kind === "end" && r === stored.log.at(-1)) {
        // A resumed run has an `end` per attempt: only the last one ends the stream.
        events.push({ type: "run.end", runId, flow: stored.meta.flow, status: r.status, durationMs: 0, ...(r.output !== undefined ? { output: r.output } : {}), at });
      }
    }
    return events;
  }

  /**
   * Takes no new runs, waits up to `graceMs` for the running ones, then stops
   * the rest (their tasks see the abort; finished tasks stay checkpointed).
   * Resolves when every run has ended, with the ids of those interrupted.
   */
  async shutdown(graceMs: number): Promise<{ readonly finished: number; readonly interrupted: readonly string[] }> {
    this.#closing = true;
    const live = [...this.#live.values()];
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.allSettled(live.map((r) => r.done)).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), Math.max(0, graceMs));
      }),
    ]);
    clearTimeout(timer);
    const interrupted: string[] = [];
    if (timedOut) {
      for (const r of this.#live.values()) {
        r.interrupted = true;
        interrupted.push(r.runId);
        r.controller.abort(new Error("the server is shutting down"));
      }
    }
    await Promise.allSettled(live.map((r) => r.done));
    return { finished: live.length - interrupted.length, interrupted };
  }

  #retire(run: ServedRun, result: RunResult, workDir: string | undefined): void {
    run.finish(result);
    this.#live.delete(run.runId);
    this.#finished.set(run.runId, run);
    if (workDir !== undefined) {
      try {
        rmdirSync(workDir); // Only when empty: files the flow wrote stay.
      } catch {
        // Not empty, or already gone.
      }
    }
  }
}

/** Run ids that stay unique at thousands of runs a second (48 random bits per second). */
export function newServerRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
  return `${stamp}-${randomBytes(6).toString("hex")}`;
}

/**
 * The state store the runtime writes to, seen through the run: checkpointed
 * task outputs are copied to the run's view, then passed on to the real store
 * (when the server has one; without, nothing is kept beyond memory).
 */
function checkpointFollower(run: ServedRun, store: StateStore | undefined): StateStore {
  return {
    createRun: (meta: RunMeta) => (store !== undefined ? store.createRun(meta) : Promise.resolve()),
    append(runId: string, records: readonly LogRecord[]): Promise<void> {
      run.onCheckpoint(records);
      return store !== undefined ? store.append(runId, records) : Promise.resolve();
    },
    setStatus: (runId, status) => (store !== undefined ? store.setStatus(runId, status) : Promise.resolve()),
    loadRun: (runId) => (store !== undefined ? store.loadRun(runId) : Promise.resolve(undefined)),
    listRuns: (limit) => (store !== undefined ? store.listRuns(limit) : Promise.resolve([])),
    close: () => Promise.resolve(),
  };
}

/** A run's view from its stored metadata and log. */
export function storedView(meta: RunMeta, status: RunStatus, log: readonly LogRecord[]): RunView {
  const ir = meta.ir as unknown as IrProgram;
  const tasks: Record<string, TaskView> = {};
  for (const t of ir.flows?.[meta.flow]?.tasks ?? []) tasks[t.id] = { state: "PENDING", attempts: 0 };
  let output: Value | undefined;
  let error: string | undefined;
  for (const r of log) {
    if (r.kind === "task") {
      tasks[r.taskId] = {
        state: r.state,
        attempts: r.attempts,
        durationMs: r.durationMs,
        ...(r.output !== undefined ? { output: r.output } : {}),
        ...(r.error !== undefined ? { error: r.error } : {}),
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
      };
    } else if (r.kind === "inject") {
      tasks[r.taskId] ??= { state: "PENDING", attempts: 0, injectedBy: r.injector };
    } else if (r.kind === "end") {
      output = r.output;
      error = r.error;
    }
  }
  return {
    runId: meta.runId,
    flow: meta.flow,
    status,
    createdAt: meta.createdAt,
    ...(output !== undefined ? { output } : {}),
    ...(error !== undefined ? { error } : {}),
    tasks,
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
