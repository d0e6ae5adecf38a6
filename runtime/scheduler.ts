// The scheduler of one run: dependency counts and a ready queue. A task
// starts as soon as everything it waits for has ended, up to a concurrency
// limit; a slow task never holds back an unrelated branch. Decides skips,
// adds injected tasks to the graph, and checkpoints after every task before
// releasing its dependants. Knows nothing of terminals or HTTP: it emits events.

import type { IrFlow, IrProgram, IrTask } from "../compiler/ir.ts";
import { readsOf } from "../compiler/ir-reads.ts";
import type { ResultCache } from "./cache.ts";
import type { EventBus } from "./events.ts";
import { evaluate, type Scope } from "./expressions.ts";
import { Memory, type Embedder } from "./memory.ts";
import { faultBetweenTasks } from "./state/faults.ts";
import type { LogRecord, StateStore, StoredRun, TaskState } from "./state/store.ts";
import { messageOf, runTask, type Outcome } from "./tasks.ts";
import type { ToolFunction } from "./tools/tool.ts";
import type { Value } from "./values.ts";

export interface TaskResult {
  readonly state: TaskState;
  readonly attempts: number;
  readonly durationMs: number;
  readonly output?: Value;
  readonly error?: string;
  readonly reason?: string;
  readonly guardFailures?: readonly string[];
  readonly injectedBy?: string;
}

export interface RunResult {
  readonly runId: string;
  readonly flow: string;
  readonly status: "COMPLETED" | "FAILED";
  readonly durationMs: number;
  /** Every task, static ones in the IR's order, then injected ones. */
  readonly tasks: Readonly<Record<string, TaskResult>>;
  readonly output?: Value;
  readonly error?: string;
}

export interface SchedulerOptions {
  readonly runId: string;
  readonly program: IrProgram;
  readonly flowName: string;
  readonly inputs: Readonly<Record<string, Value>>;
  readonly store?: StateStore;
  readonly events?: EventBus;
  readonly concurrency: number;
  readonly workDir: string;
  /** Folder against which IR locations (file paths) are resolved. */
  readonly baseDir: string;
  readonly defaultTimeoutMs: number;
  readonly signal?: AbortSignal;
  readonly random: () => number;
  /** The implementation of an IR tool, loaded once per tool. */
  readonly toolFor: (name: string) => Promise<ToolFunction>;
  /** A stored run to continue. */
  readonly restored?: StoredRun;
  /** Result cache for tasks with `cache:`, and the IR hash its keys include. */
  readonly cache?: ResultCache;
  /** Adds semantic recall to agent memory (RunOptions.memoryEmbedder). */
  readonly memoryEmbedder?: Embedder;
  readonly irHash: string;
}

interface Node {
  readonly id: string;
  readonly task: IrTask;
  /** Grows when a task it waits for injects tasks: it waits for those too. */
  readonly deps: string[];
  /** Tasks whose output this one reads. */
  readonly reads: ReadonlySet<string>;
  readonly dependants: Node[];
  remaining: number;
  state: TaskState;
  attempts: number;
  output?: Value;
  error?: string;
  reason?: string;
  upstreamFailed?: boolean;
  guardFailures: string[];
  startedAt: number;
  durationMs: number;
  injectedBy?: string;
  fanOut?: FanOut;
  /** Fan-out item outputs restored from the log, by index. */
  restoredItems?: Map<number, Value>;
}

interface FanOut {
  readonly items: readonly Value[];
  readonly outputs: Value[];
  pending: number;
  failed?: string;
}

interface Unit {
  readonly node: Node;
  readonly item?: number;
}

export class Execution {
  private readonly o: SchedulerOptions;
  private readonly flow: IrFlow;
  private readonly nodes = new Map<string, Node>();
  private readonly order: Node[] = [];
  private readonly queue: Unit[] = [];
  private queueHead = 0;
  private running = 0;
  private unfinished = 0;
  private readonly memories = new Map<string, Memory>();
  private writes: Promise<void> = Promise.resolve();
  private writeError: unknown;
  private taskCheckpoints = 0;
  private readonly startedAt = performance.now();
  private finish!: () => void;
  private readonly done = new Promise<void>((resolve) => {
    this.finish = resolve;
  });
  private readonly scope: Scope;
  /** Tasks whose dependencies have all ended, waiting to be looked at (a worklist, so long skip cascades do not recurse). */
  private readonly readyList: Node[] = [];
  private draining = false;
  /** settle() calls waiting on their checkpoint. */
  private settling = 0;

  constructor(options: SchedulerOptions) {
    this.o = options;
    const flow = options.program.flows[options.flowName];
    if (flow === undefined) throw new Error(`no flow '${options.flowName}' in the IR`);
    this.flow = flow;
    this.scope = { inputs: options.inputs, output: (id) => this.outputOf(id) };
    for (const t of flow.tasks) this.addNode(t.id, t, t.dependsOn);
    for (const n of this.order) {
      for (const d of n.deps) this.nodes.get(d)?.dependants.push(n);
    }
    if (options.restored !== undefined) this.replay(options.restored.log);
  }

  private addNode(id: string, task: IrTask, deps: readonly string[], injectedBy?: string): Node {
    const node: Node = {
      id,
      task,
      deps: [...deps],
      reads: readsOf(task, [task.id]),
      dependants: [],
      remaining: deps.length,
      state: "PENDING",
      attempts: 0,
      guardFailures: [],
      startedAt: 0,
      durationMs: 0,
      ...(injectedBy !== undefined ? { injectedBy } : {}),
    };
    this.nodes.set(id, node);
    this.order.push(node);
    this.unfinished++;
    return node;
  }

  private outputOf(id: string): Value | undefined {
    const n = this.nodes.get(id);
    if (n === undefined) return undefined;
    if (n.state === "COMPLETED") return n.output;
    if (n.state === "SKIPPED") return null;
    return undefined;
  }

  memoryOf(agent: string): Memory {
    let m = this.memories.get(agent);
    if (m === undefined) {
      m = new Memory((text) => this.write([{ kind: "memory", agent, text }]), this.o.memoryEmbedder);
      this.memories.set(agent, m);
    }
    return m;
  }

  // ------------------------------------------------------------- resuming

  /** Rebuilds the state a stored log describes; failed tasks will run again. */
  private replay(log: readonly LogRecord[]): void {
    for (const r of log) {
      switch (r.kind) {
        case "memory":
          this.memoryOf(r.agent).restore(r.text);
          break;
        case "inject": {
          const injector = this.nodes.get(r.injector);
          const template = this.flow.templates.find((t) => t.id === r.template);
          if (injector !== undefined && template !== undefined && !this.nodes.has(r.taskId)) this.inject(injector, template, r.taskId);
          break;
        }
        case "item": {
          const n = this.nodes.get(r.taskId);
          if (n === undefined) break;
          (n.restoredItems ??= new Map()).set(r.index, r.output);
          break;
        }
        case "task": {
          const n = this.nodes.get(r.taskId);
          // A record written twice (an append that failed after it was stored) counts once.
          if (n === undefined || n.state !== "PENDING" || r.state === "FAILED" || r.upstreamFailed === true) break;
          n.state = r.state;
          n.attempts = r.attempts;
          n.durationMs = r.durationMs;
          if (r.output !== undefined) n.output = r.output;
          if (r.reason !== undefined) n.reason = r.reason;
          this.unfinished--;
          for (const d of n.dependants) d.remaining--;
          break;
        }
        case "end":
          break;
      }
    }
  }

  // ------------------------------------------------------------- running

  async run(): Promise<RunResult> {
    const e = this.o.events;
    if (e?.active) {
      e.emit({ type: "run.start", runId: this.o.runId, flow: this.o.flowName, tasks: this.order.map((n) => n.id), resumed: this.o.restored !== undefined, at: Date.now() });
      for (const n of this.order) {
        if (n.state === "COMPLETED") e.emit({ type: "task.complete", runId: this.o.runId, taskId: n.id, attempts: n.attempts, durationMs: n.durationMs, at: Date.now(), restored: true });
        else if (n.state === "SKIPPED") e.emit({ type: "task.skip", runId: this.o.runId, taskId: n.id, reason: n.reason ?? "skipped", at: Date.now() });
      }
    }
    if (this.unfinished === 0) this.finish();
    for (const n of this.order) if (n.state === "PENDING" && n.remaining === 0) this.readyList.push(n);
    this.drain();
    await this.done;
    await this.writes;
    return this.conclude();
  }

  private becomeReady(n: Node): void {
    const skip = this.skipReason(n);
    if (skip !== undefined) {
      this.settle(n, "SKIPPED", { reason: skip.reason, upstreamFailed: skip.upstreamFailed });
      return;
    }
    if (n.task.when !== undefined) {
      let go: Value;
      try {
        go = evaluate(n.task.when, this.scope);
      } catch (err) {
        this.settle(n, "FAILED", { error: `'when' could not be evaluated: ${messageOf(err)}` });
        return;
      }
      if (go !== true) {
        this.settle(n, "SKIPPED", { reason: "its 'when' condition is false" });
        return;
      }
    }
    if (n.task.forEach !== undefined) {
      let items: Value;
      try {
        items = evaluate(n.task.forEach.items, this.scope);
      } catch (err) {
        this.settle(n, "FAILED", { error: `the fan-out list could not be evaluated: ${messageOf(err)}` });
        return;
      }
      if (!Array.isArray(items)) {
        this.settle(n, "FAILED", { error: "the fan-out value is not a list" });
        return;
      }
      n.fanOut = { items, outputs: new Array<Value>(items.length), pending: items.length };
      n.startedAt = performance.now();
      n.state = "RUNNING";
      for (let i = 0; i < items.length; i++) {
        const restored = n.restoredItems?.get(i);
        if (restored !== undefined) {
          n.fanOut.outputs[i] = restored;
          n.fanOut.pending--;
        } else this.queue.push({ node: n, item: i });
      }
      if (n.fanOut.pending === 0) void this.completeNode(n, n.fanOut.outputs);
      return;
    }
    this.queue.push({ node: n });
  }

  private skipReason(n: Node): { reason: string; upstreamFailed: boolean } | undefined {
    let skipped = 0;
    for (const id of n.deps) {
      const d = this.nodes.get(id)!;
      if (d.state === "FAILED" || d.upstreamFailed === true) return { reason: `'${id}' failed`, upstreamFailed: true };
      if (d.state === "SKIPPED") {
        if (n.reads.has(id)) return { reason: `it reads '${id}', which was skipped`, upstreamFailed: false };
        skipped++;
      }
    }
    if (n.deps.length > 0 && skipped === n.deps.length) return { reason: "every task it waits for was skipped", upstreamFailed: false };
    return undefined;
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      // First ready, first looked at: tasks ready together start in source order.
      for (let i = 0; i < this.readyList.length; i++) this.becomeReady(this.readyList[i]!);
      this.readyList.length = 0;
    } finally {
      this.draining = false;
    }
    this.pump();
  }

  private pump(): void {
    this.startUnits();
    if (this.running === 0 && this.queueHead >= this.queue.length && this.settling === 0 && this.readyList.length === 0 && this.unfinished > 0) this.stuck();
  }

  /** Defensive: nothing runs and nothing can start, yet tasks remain. Fail them rather than hang. */
  private stuck(): void {
    for (const n of this.order) {
      if (n.state === "PENDING" || n.state === "RUNNING") {
        n.state = "FAILED";
        n.error = "could not start: it waits for tasks that never ended";
        this.unfinished--;
      }
    }
    this.finish();
  }

  private startUnits(): void {
    while (this.running < this.o.concurrency && this.queueHead < this.queue.length) {
      const unit = this.queue[this.queueHead++]!;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      if (unit.node.fanOut?.failed !== undefined) {
        this.itemDone(unit.node);
        continue;
      }
      this.running++;
      void this.start(unit);
    }
  }

  private async start(unit: Unit): Promise<void> {
    const n = unit.node;
    if (unit.item === undefined) {
      n.state = "RUNNING";
      n.startedAt = performance.now();
    }
    let outcome: Outcome;
    try {
      outcome = await this.attempt(unit);
    } catch (err) {
      outcome = { ok: false, error: messageOf(err), attempts: 1, guardFailures: [] };
    }
    // A fan-out task's attempts are its most-tried item's.
    n.attempts = unit.item === undefined ? n.attempts + outcome.attempts : Math.max(n.attempts, outcome.attempts);
    n.guardFailures.push(...outcome.guardFailures);
    // The slot is held until the checkpoint is written, so the scheduler is
    // never idle while a result is still on its way to the store.
    if (unit.item === undefined) {
      if (outcome.ok) await this.completeNode(n, outcome.output);
      else await this.settle(n, "FAILED", { error: outcome.error });
    } else {
      const f = n.fanOut!;
      if (outcome.ok) {
        f.outputs[unit.item] = outcome.output;
        await this.write([{ kind: "item", taskId: n.id, index: unit.item, output: outcome.output, attempts: outcome.attempts }]);
      } else f.failed ??= `item ${unit.item}: ${outcome.error}`;
      this.itemDone(n);
    }
    this.running--;
    this.pump();
  }

  private itemDone(n: Node): void {
    const f = n.fanOut!;
    f.pending--;
    if (f.pending > 0) return;
    if (f.failed !== undefined) this.settle(n, "FAILED", { error: f.failed });
    else void this.completeNode(n, f.outputs);
  }

  private async attempt(unit: Unit): Promise<Outcome> {
    const n = unit.node;
    const task = n.task;
    const agent = task.agent !== undefined ? this.o.program.agents[task.agent] : undefined;
    if (task.run.kind === "tool" && agent !== undefined) {
      // The checker enforces the allowlist; the runtime does again, since IR can come from anywhere (REST, Kafka).
      const name = task.run.tool;
      const binding = this.o.program.tools[name]?.binding;
      const memoryTool = binding?.kind === "builtin" && (binding.name === "remember" || binding.name === "recall");
      if (memoryTool ? agent.memory === null : !agent.tools.includes(name)) {
        return { ok: false, error: `agent '${task.agent}' may not use the tool '${name}'${memoryTool ? " (it has no memory)" : ""}`, attempts: 1, guardFailures: [] };
      }
    }
    const tool = task.run.kind === "tool" ? await this.o.toolFor(task.run.tool) : undefined;
    const e = this.o.events;
    const key = unit.item === undefined ? `${this.o.runId}:${n.id}` : `${this.o.runId}:${n.id}:${unit.item}`;
    return runTask(task, {
      program: this.o.program,
      scope: this.scope,
      ...(tool !== undefined ? { tool } : {}),
      context: {
        workDir: this.o.workDir,
        sourceDir: this.o.baseDir,
        runId: this.o.runId,
        taskId: n.id,
        idempotencyKey: key,
        ...(agent !== undefined && task.agent !== undefined
          ? { agent: { name: task.agent, persona: agent, ...(agent.memory !== null ? { memory: this.memoryOf(task.agent) } : {}) } }
          : {}),
      },
      defaultTimeoutMs: this.o.defaultTimeoutMs,
      ...(this.o.signal !== undefined ? { runSignal: this.o.signal } : {}),
      random: this.o.random,
      ...(this.o.cache !== undefined
        ? {
            cache: {
              store: this.o.cache,
              irHash: this.o.irHash,
              onLookup: (hit: boolean) => {
                if (e?.active) e.emit({ type: "task.cache", runId: this.o.runId, taskId: n.id, hit, at: Date.now() });
              },
            },
          }
        : {}),
      ...(unit.item !== undefined && task.forEach !== undefined ? { item: { variable: task.forEach.variable, value: n.fanOut!.items[unit.item]! } } : {}),
      onAttemptStart: (attempt) => {
        if (e?.active) e.emit({ type: "task.start", runId: this.o.runId, taskId: n.id, attempt, ...(unit.item !== undefined ? { item: unit.item } : {}), at: Date.now() });
      },
      onRetry: (attempt, error, delayMs) => {
        if (e?.active) e.emit({ type: "task.retry", runId: this.o.runId, taskId: n.id, attempt, error, delayMs, ...(unit.item !== undefined ? { item: unit.item } : {}), at: Date.now() });
      },
    });
  }

  /** A task's output is final: inject what it asks for, checkpoint, release dependants. */
  private async completeNode(n: Node, output: Value): Promise<void> {
    const extra: LogRecord[] = [];
    if (n.task.inject !== undefined) {
      let chosen: Value;
      try {
        chosen = evaluate(n.task.inject.choose, { inputs: this.scope.inputs, output: (id) => (id === n.id ? output : this.outputOf(id)) });
      } catch (err) {
        this.settle(n, "FAILED", { error: `'inject' could not be evaluated: ${messageOf(err)}` });
        return;
      }
      const names = typeof chosen === "string" ? [chosen] : Array.isArray(chosen) ? chosen : undefined;
      const bad = names === undefined ? "a value that is not template names" : names.find((x) => typeof x !== "string" || !n.task.inject!.templates.includes(x));
      if (bad !== undefined) {
        const allowed = n.task.inject.templates.join(", ");
        this.settle(n, "FAILED", { error: `'inject' chose ${typeof bad === "string" ? `'${bad}'` : JSON.stringify(bad)}, which is not one of its templates (${allowed})` });
        return;
      }
      for (const name of new Set(names as string[])) {
        const template = this.flow.templates.find((t) => t.id === name)!;
        const id = `${n.id}.${name}`;
        if (this.nodes.has(id)) continue;
        const injected = this.inject(n, template, id);
        extra.push({ kind: "inject", injector: n.id, template: name, taskId: id });
        if (this.o.events?.active) this.o.events.emit({ type: "task.inject", runId: this.o.runId, injector: n.id, taskId: injected.id, template: name, at: Date.now() });
      }
    }
    n.output = output;
    await this.settle(n, "COMPLETED", {}, extra);
  }

  /** Adds an injected task: it waits for its template's dependencies and its injector; the injector's dependants wait for it. */
  private inject(injector: Node, template: IrTask, id: string): Node {
    const deps = [...new Set([...template.dependsOn, injector.id])];
    const task: IrTask = { ...template, id, dependsOn: deps };
    const node = this.addNode(id, task, deps, injector.id);
    node.remaining = 0;
    for (const d of deps) {
      const dep = this.nodes.get(d);
      if (dep === undefined) continue;
      const finished = dep.state === "COMPLETED" || dep.state === "SKIPPED" || dep.state === "FAILED";
      if (!finished || dep === injector) {
        node.remaining++;
        dep.dependants.push(node);
      }
    }
    for (const dependant of injector.dependants) {
      // Tasks injected by the same injector do not wait for each other.
      if (dependant === node || dependant.injectedBy === injector.id) continue;
      node.dependants.push(dependant);
      dependant.deps.push(id);
      dependant.remaining++;
    }
    return node;
  }

  /** Records a final state, checkpoints it, then releases the dependants. */
  private async settle(n: Node, state: "COMPLETED" | "FAILED" | "SKIPPED", info: { error?: string; reason?: string; upstreamFailed?: boolean }, extra: LogRecord[] = []): Promise<void> {
    this.settling++;
    n.state = state;
    if (info.error !== undefined) n.error = info.error;
    if (info.reason !== undefined) n.reason = info.reason;
    if (info.upstreamFailed) n.upstreamFailed = true;
    n.durationMs = n.startedAt === 0 ? 0 : performance.now() - n.startedAt;
    const e = this.o.events;
    if (this.o.store !== undefined) {
      const rec: LogRecord = {
        kind: "task",
        taskId: n.id,
        state,
        attempts: n.attempts,
        durationMs: Math.round(n.durationMs * 1000) / 1000,
        ...(n.output !== undefined && state === "COMPLETED" ? { output: n.output } : {}),
        ...(n.error !== undefined ? { error: n.error } : {}),
        ...(n.reason !== undefined ? { reason: n.reason } : {}),
        ...(n.upstreamFailed ? { upstreamFailed: true } : {}),
        ...(n.guardFailures.length > 0 ? { guardFailures: n.guardFailures } : {}),
      };
      await this.write([rec, ...extra]);
      faultBetweenTasks(++this.taskCheckpoints);
    }
    if (e?.active) {
      const at = Date.now();
      if (state === "COMPLETED") e.emit({ type: "task.complete", runId: this.o.runId, taskId: n.id, attempts: n.attempts, durationMs: n.durationMs, at });
      else if (state === "FAILED") e.emit({ type: "task.fail", runId: this.o.runId, taskId: n.id, attempts: n.attempts, durationMs: n.durationMs, error: n.error ?? "failed", at });
      else e.emit({ type: "task.skip", runId: this.o.runId, taskId: n.id, reason: n.reason ?? "skipped", at });
    }
    this.unfinished--;
    this.settling--;
    for (const d of n.dependants) {
      if (--d.remaining === 0 && d.state === "PENDING") this.readyList.push(d);
    }
    if (this.unfinished === 0) this.finish();
    else this.drain();
  }

  /** Appends to the store in order; the first failure fails the run. */
  private write(records: LogRecord[]): Promise<void> {
    const store = this.o.store;
    if (store === undefined) return Promise.resolve();
    const p = this.writes.then(() => store.append(this.o.runId, records));
    this.writes = p.catch((err) => {
      this.writeError ??= err;
    });
    return this.writes;
  }

  private conclude(): RunResult {
    const failed = this.order.filter((n) => n.state === "FAILED");
    let output: Value | undefined;
    let error: string | undefined;
    if (this.writeError !== undefined) error = `the run state could not be saved: ${messageOf(this.writeError)}`;
    if (failed.length > 0) error ??= `task '${failed[0]!.id}' failed: ${failed[0]!.error ?? "failed"}`;
    if (this.flow.output !== undefined && failed.length === 0) {
      try {
        output = evaluate(this.flow.output.value, this.scope);
      } catch (err) {
        error = `the flow's return value could not be evaluated: ${messageOf(err)}`;
      }
    }
    const tasks: Record<string, TaskResult> = {};
    for (const n of this.order) {
      tasks[n.id] = {
        state: n.state,
        attempts: n.attempts,
        durationMs: Math.round(n.durationMs * 1000) / 1000,
        ...(n.output !== undefined && n.state === "COMPLETED" ? { output: n.output } : {}),
        ...(n.error !== undefined ? { error: n.error } : {}),
        ...(n.reason !== undefined ? { reason: n.reason } : {}),
        ...(n.guardFailures.length > 0 ? { guardFailures: n.guardFailures } : {}),
        ...(n.injectedBy !== undefined ? { injectedBy: n.injectedBy } : {}),
      };
    }
    return {
      runId: this.o.runId,
      flow: this.o.flowName,
      status: error === undefined ? "COMPLETED" : "FAILED",
      durationMs: Math.round((performance.now() - this.startedAt) * 1000) / 1000,
      tasks,
      ...(output !== undefined ? { output } : {}),
      ...(error !== undefined ? { error } : {}),
    };
  }
}

