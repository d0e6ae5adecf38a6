// What `aiwc run` shows while a flow runs: on a terminal, a table of tasks
// (status, attempt, time) redrawn in place; otherwise one plain line per
// event. Both only subscribe to the run's events.

import type { EventBus, RunEvent } from "../runtime/events.ts";

interface Row {
  status: string;
  attempt: number;
  startedAt?: number;
  durationMs?: number;
  note?: string;
}

const COLOURS: Readonly<Record<string, string>> = {
  COMPLETED: "\x1b[32m",
  FAILED: "\x1b[31m",
  SKIPPED: "\x1b[90m",
  RUNNING: "\x1b[36m",
  RETRYING: "\x1b[33m",
  PENDING: "\x1b[2m",
};

/** A table redrawn in place at most every `intervalMs`. */
export function attachLiveView(bus: EventBus, write: (s: string) => void, intervalMs = 100): () => void {
  const rows = new Map<string, Row>();
  let drawnLines = 0;
  let dirty = false;
  let title = "";
  const draw = () => {
    // Running tasks' times advance even when no event arrives.
    if (!dirty && ![...rows.values()].some((r) => r.status === "RUNNING" || r.status === "RETRYING")) return;
    dirty = false;
    const lines = [title];
    const width = Math.max(4, ...[...rows.keys()].map((k) => k.length));
    const now = Date.now();
    for (const [id, r] of rows) {
      const ms = r.durationMs ?? (r.startedAt !== undefined ? now - r.startedAt : undefined);
      const time = ms === undefined ? "" : formatDuration(ms);
      const colour = COLOURS[r.status] ?? "";
      const attempt = r.attempt > 1 ? ` attempt ${r.attempt}` : "";
      lines.push(`  ${id.padEnd(width)}  ${colour}${r.status.padEnd(9)}\x1b[0m ${time.padStart(8)}${attempt}${r.note ? `  \x1b[2m${r.note}\x1b[0m` : ""}`);
    }
    // Move up over the previous drawing, then clear each line as it is rewritten.
    const up = drawnLines > 0 ? `\x1b[${drawnLines}F` : "";
    // A terminal of unknown width reports 0 columns.
    write(`${up}${lines.map((l) => `\x1b[2K${truncate(l, process.stdout.columns || 120)}`).join("\n")}\n`);
    drawnLines = lines.length;
  };
  const timer = setInterval(draw, intervalMs);
  timer.unref();
  const off = bus.on((e) => {
    dirty = true;
    apply(rows, e, (t) => (title = t));
    if (e.type === "run.end") draw();
  });
  return () => {
    off();
    clearInterval(timer);
    dirty = true;
    draw();
  };
}

/** One line per event, for logs and pipes. */
export function attachPlainView(bus: EventBus, write: (s: string) => void): () => void {
  return bus.on((e) => {
    const line = plainLine(e);
    if (line !== undefined) write(`${line}\n`);
  });
}

function apply(rows: Map<string, Row>, e: RunEvent, setTitle: (t: string) => void): void {
  switch (e.type) {
    case "run.start":
      setTitle(`run ${e.runId} of flow ${e.flow}${e.resumed ? " (resumed)" : ""}`);
      for (const id of e.tasks) if (!rows.has(id)) rows.set(id, { status: "PENDING", attempt: 0 });
      break;
    case "task.start": {
      const r = rows.get(e.taskId) ?? { status: "PENDING", attempt: 0 };
      r.status = "RUNNING";
      r.attempt = Math.max(r.attempt, e.attempt);
      r.startedAt ??= e.at;
      rows.set(e.taskId, r);
      break;
    }
    case "task.retry": {
      const r = rows.get(e.taskId);
      if (r) {
        r.status = "RETRYING";
        r.note = clean(e.error);
      }
      break;
    }
    case "task.complete":
      rows.set(e.taskId, { status: "COMPLETED", durationMs: e.durationMs, attempt: e.attempts, ...(e.restored ? { note: "from an earlier run" } : {}) });
      break;
    case "task.fail":
      rows.set(e.taskId, { ...(rows.get(e.taskId) ?? { attempt: 0 }), status: "FAILED", durationMs: e.durationMs, attempt: e.attempts, note: clean(e.error) });
      break;
    case "task.skip":
      rows.set(e.taskId, { status: "SKIPPED", attempt: 0, note: clean(e.reason) });
      break;
    case "task.inject":
      rows.set(e.taskId, { status: "PENDING", attempt: 0, note: `injected by ${e.injector}` });
      break;
    case "task.cache": {
      const r = rows.get(e.taskId);
      if (r && e.hit) r.note = "from the cache";
      break;
    }
    case "run.end":
      setTitle(`run ${e.runId} of flow ${e.flow}: ${e.status} in ${formatDuration(e.durationMs)}`);
      break;
  }
}

function plainLine(e: RunEvent): string | undefined {
  switch (e.type) {
    case "run.start":
      return `run ${e.runId}: flow ${e.flow}${e.resumed ? " resumed" : " started"} (${e.tasks.length} tasks)`;
    case "task.start":
      return `${e.taskId}${e.item !== undefined ? `[${e.item}]` : ""}: running${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}`;
    case "task.retry":
      return `${e.taskId}${e.item !== undefined ? `[${e.item}]` : ""}: attempt ${e.attempt} failed: ${clean(e.error)}; retrying in ${formatDuration(e.delayMs)}`;
    case "task.complete":
      return `${e.taskId}: ${e.restored ? "completed in an earlier run" : `completed in ${formatDuration(e.durationMs)}${e.attempts > 1 ? ` after ${e.attempts} attempts` : ""}`}`;
    case "task.fail":
      return `${e.taskId}: FAILED after ${e.attempts} attempt${e.attempts === 1 ? "" : "s"}: ${clean(e.error)}`;
    case "task.skip":
      return `${e.taskId}: skipped: ${clean(e.reason)}`;
    case "task.inject":
      return `${e.injector}: injected ${e.taskId}`;
    case "task.cache":
      return e.hit ? `${e.taskId}: result from the cache` : undefined;
    case "run.end":
      return `run ${e.runId}: ${e.status} in ${formatDuration(e.durationMs)}`;
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

function truncate(line: string, width: number): string {
  // Only plain characters count; escape sequences are zero-width.
  let visible = 0;
  let out = "";
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "\x1b") {
      const m = /^\x1b\[[0-9;]*[A-Za-z]/.exec(line.slice(i));
      if (m) {
        out += m[0];
        i += m[0].length - 1;
        continue;
      }
    }
    if (visible >= width - 1) break;
    out += line[i];
    visible++;
  }
  return `${out}\x1b[0m`;
}

/** Tool messages are user text: control characters would move the cursor. */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, " ");
}
