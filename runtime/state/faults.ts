// Fault injection for crash tests: kills the process at a chosen point of the
// checkpointing, so tests can check that a resumed run neither loses nor
// repeats work. Driven ONLY by the environment variable AIW_STATE_FAULT, which
// only tests set; with it unset nothing here has any effect or cost.
//
//   AIW_STATE_FAULT=before-write:N    die just before the Nth task append reaches the store
//   AIW_STATE_FAULT=after-write:N     die just after the store acknowledged the Nth task append
//   AIW_STATE_FAULT=between-tasks:N   die after the Nth task append was acknowledged, before
//                                     the scheduler starts anything else (faultBetweenTasks)
//
// N >= 1 counts `append` calls that carry at least one `task` record (appends
// of only item/inject/memory/end records do not count). The process dies by
// SIGKILL sent to itself: no exit handlers, no flushing, no `finally` blocks,
// the closest a test can get to a power cut of the process (not of the OS).
//
// Use: the runtime wraps its store once, `store = withFaults(store)`, and the
// scheduler calls `faultBetweenTasks(taskAppendsSoFar)` after each checkpoint.

import type { LogRecord, StateStore } from "./store.ts";

export type FaultPoint = "before-write" | "after-write" | "between-tasks";

export interface Fault {
  readonly point: FaultPoint;
  readonly n: number;
}

/** The fault AIW_STATE_FAULT asks for, or undefined; a malformed value throws (a test bug must be loud). */
export function parseFault(value: string | undefined = process.env.AIW_STATE_FAULT): Fault | undefined {
  if (value === undefined || value === "") return undefined;
  const m = /^(before-write|after-write|between-tasks):([1-9][0-9]*)$/.exec(value.trim());
  if (m === null) {
    throw new Error(`AIW_STATE_FAULT='${value}' is not understood: expected before-write:N, after-write:N or between-tasks:N (N >= 1)`);
  }
  return { point: m[1] as FaultPoint, n: Number(m[2]) };
}

function die(): never {
  process.kill(process.pid, "SIGKILL");
  // POSIX delivers an unblocked signal sent to oneself before kill() returns;
  // should it not, never carry on as if nothing happened.
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
}

/**
 * The store itself when no write fault is asked for; otherwise a wrapper that
 * kills the process just before (before-write) or just after (after-write) the
 * Nth append carrying a task record.
 */
export function withFaults(store: StateStore): StateStore {
  const fault = parseFault();
  if (fault === undefined || fault.point === "between-tasks") return store;
  let taskAppends = 0;
  return {
    createRun: (meta) => store.createRun(meta),
    async append(runId: string, records: readonly LogRecord[]): Promise<void> {
      if (!records.some((r) => r.kind === "task")) return store.append(runId, records);
      taskAppends += 1;
      const hit = taskAppends === fault.n;
      if (hit && fault.point === "before-write") die();
      await store.append(runId, records);
      if (hit && fault.point === "after-write") die();
    },
    setStatus: (runId, status) => store.setStatus(runId, status),
    loadRun: (runId) => store.loadRun(runId),
    listRuns: (limit) => store.listRuns(limit),
    close: () => store.close(),
  };
}

/**
 * Called by the scheduler once a checkpoint is acknowledged and before it
 * starts anything else, with the number of task appends acknowledged so far
 * in this process: dies when AIW_STATE_FAULT is `between-tasks:N` and the
 * count is N.
 */
export function faultBetweenTasks(taskAppendsSoFar: number): void {
  if (process.env.AIW_STATE_FAULT === undefined) return;
  const fault = parseFault();
  if (fault?.point === "between-tasks" && taskAppendsSoFar === fault.n) die();
}
