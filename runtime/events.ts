// The run's event stream: the scheduler emits, and progress views, logs,
// metrics and the API subscribe. Emitting never waits: listeners run
// synchronously, must be cheap, and a listener that throws is dropped
// rather than allowed to break the run.

import type { Value } from "./values.ts";

export type RunEvent =
  | { readonly type: "run.start"; readonly runId: string; readonly flow: string; readonly tasks: readonly string[]; readonly resumed: boolean; readonly at: number }
  | { readonly type: "task.start"; readonly runId: string; readonly taskId: string; readonly attempt: number; readonly item?: number; readonly at: number }
  | {
      readonly type: "task.retry";
      readonly runId: string;
      readonly taskId: string;
      readonly attempt: number;
      readonly item?: number;
      readonly error: string;
      readonly delayMs: number;
      readonly at: number;
    }
  | { readonly type: "task.complete"; readonly runId: string; readonly taskId: string; readonly attempts: number; readonly durationMs: number; readonly at: number; readonly restored?: boolean }
  | { readonly type: "task.fail"; readonly runId: string; readonly taskId: string; readonly attempts: number; readonly durationMs: number; readonly error: string; readonly at: number }
  | { readonly type: "task.skip"; readonly runId: string; readonly taskId: string; readonly reason: string; readonly at: number }
  | { readonly type: "task.cache"; readonly runId: string; readonly taskId: string; readonly hit: boolean; readonly at: number }
  | { readonly type: "task.inject"; readonly runId: string; readonly injector: string; readonly taskId: string; readonly template: string; readonly at: number }
  | { readonly type: "run.end"; readonly runId: string; readonly flow: string; readonly status: "COMPLETED" | "FAILED"; readonly durationMs: number; readonly output?: Value; readonly at: number };

export type RunEventListener = (event: RunEvent) => void;

export class EventBus {
  private listeners: RunEventListener[] = [];

  /** Subscribes; returns the function that unsubscribes. */
  on(listener: RunEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  get active(): boolean {
    return this.listeners.length > 0;
  }

  emit(event: RunEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        this.listeners = this.listeners.filter((x) => x !== l);
      }
    }
  }
}
