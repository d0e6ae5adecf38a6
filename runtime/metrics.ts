// Run metrics in Prometheus form (prom-client): task durations as a
// histogram and task outcomes as counters, fed from the event stream.

import { Counter, Histogram, Registry } from "prom-client";
import type { EventBus } from "./events.ts";

export class RunMetrics {
  readonly registry = new Registry();
  private readonly duration: Histogram<"flow" | "task" | "status">;
  private readonly outcomes: Counter<"flow" | "status">;
  private readonly retries: Counter<"flow">;
  private readonly runs: Counter<"flow" | "status">;
  private readonly cacheLookups: Counter<"flow" | "result">;
  private readonly flows = new Map<string, string>();

  constructor() {
    this.duration = new Histogram({
      name: "aiwork_task_duration_seconds",
      help: "Time from a task's first attempt to its outcome.",
      labelNames: ["flow", "task", "status"],
      buckets: [0.0001, 0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: [this.registry],
    });
    this.outcomes = new Counter({ name: "aiwork_tasks_total", help: "Tasks by final status.", labelNames: ["flow", "status"], registers: [this.registry] });
    this.retries = new Counter({ name: "aiwork_task_retries_total", help: "Failed attempts that were retried.", labelNames: ["flow"], registers: [this.registry] });
    this.cacheLookups = new Counter({ name: "aiwork_cache_lookups_total", help: "Result-cache lookups of tasks with cache:, by result.", labelNames: ["flow", "result"], registers: [this.registry] });
    this.runs = new Counter({ name: "aiwork_runs_total", help: "Runs by final status.", labelNames: ["flow", "status"], registers: [this.registry] });
  }

  attach(bus: EventBus): () => void {
    return bus.on((e) => {
      switch (e.type) {
        case "run.start":
          this.flows.set(e.runId, e.flow);
          break;
        case "task.complete":
          if (e.restored) break;
          this.duration.observe({ flow: this.flowOf(e.runId), task: e.taskId, status: "COMPLETED" }, e.durationMs / 1000);
          this.outcomes.inc({ flow: this.flowOf(e.runId), status: "COMPLETED" });
          break;
        case "task.fail":
          this.duration.observe({ flow: this.flowOf(e.runId), task: e.taskId, status: "FAILED" }, e.durationMs / 1000);
          this.outcomes.inc({ flow: this.flowOf(e.runId), status: "FAILED" });
          break;
        case "task.skip":
          this.outcomes.inc({ flow: this.flowOf(e.runId), status: "SKIPPED" });
          break;
        case "task.cache":
          this.cacheLookups.inc({ flow: this.flowOf(e.runId), result: e.hit ? "hit" : "miss" });
          break;
        case "task.retry":
          this.retries.inc({ flow: this.flowOf(e.runId) });
          break;
        case "run.end":
          this.runs.inc({ flow: e.flow, status: e.status });
          this.flows.delete(e.runId);
          break;
        default:
          break;
      }
    });
  }

  private flowOf(runId: string): string {
    return this.flows.get(runId) ?? "unknown";
  }

  /** The Prometheus text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
