// How one flow becomes an Airflow graph, before any code is printed: which
// Airflow tasks stand for each runtime task, their ids, upstream tasks and
// trigger rules. The runtime's rules (runtime/scheduler.ts) are the reference:
//
// - a task whose dependency failed is not run (Airflow: upstream_failed);
// - a task every dependency of which was skipped is skipped;
// - a task that reads the output of a skipped task is skipped;
// - a task whose `when` is false is skipped (raised inside the task).
//
// When a task reads every task it waits for, Airflow's default trigger rule
// (all_success) is exactly these rules. Otherwise the task gets
// none_failed_min_one_success (failures still stop it, all-skipped still skips
// it, some skipped upstream tasks are tolerated) and checks at start whether a
// task it reads was skipped.
//
// A fan-out task is two Airflow tasks: `<name>--items` evaluates `when` and the
// list, and `<name>` is mapped over it (dynamic task mapping). Airflow skips a
// task mapped over an empty list, where the runtime completes it with [], so
// tasks after a fan-out task wait for both and read its output through the
// items task.
//
// Run-time injection: each template an injecting task may choose has a static
// copy `<task>-<template>` (the runtime's `<task>.<template>`), after a branch
// task `<task>--inject` (@task.branch) that follows the injecting task and
// returns the copies it chose; Airflow skips the others. Dependants of the
// injecting task also wait for every copy, tolerating skipped ones, as the
// runtime makes them wait for the injected tasks.

import type { IrFlow, IrProgram, IrTask, IrType } from "../../ir.ts";
import { AirflowIds, PythonNames } from "./ids.ts";
import { readsOf } from "../../ir-reads.ts";

export type PlannedKind = "task" | "items" | "mapped" | "branch" | "injected" | "return";

export interface PlannedTask {
  readonly key: string;
  readonly kind: PlannedKind;
  /** The runtime task it stands for (its id in `aiwc run`); for a branch, the injecting task. */
  readonly name: string;
  /** The IR task (for an injected copy: the template with the copy's id). */
  readonly task?: IrTask;
  readonly taskId: string;
  readonly fn: string;
  readonly variable: string;
  /** Shown in Airflow's UI when it differs from the task id. */
  readonly displayName?: string;
  /** Keys of the Airflow tasks this one waits for (empty for a mapped task: expand() links it). */
  readonly upstream: readonly string[];
  readonly triggerRule?: "none_failed_min_one_success" | "none_failed";
  /** Runtime tasks this one reads that the trigger rule lets through when skipped: checked at start. */
  readonly checkSkipped: readonly string[];
}

export interface RuntimeNode {
  /** The runtime id (`triage.page_oncall` for an injected copy). */
  readonly name: string;
  readonly task: IrTask;
  readonly deps: readonly string[];
  readonly reads: ReadonlySet<string>;
  readonly injectedBy?: string;
  readonly template?: string;
}

export interface FlowPlan {
  readonly ir: IrProgram;
  readonly flow: IrFlow;
  /** Return types of the tools the flow's tasks call. */
  readonly toolReturns: ReadonlyMap<string, IrType>;
  readonly nodes: readonly RuntimeNode[];
  readonly byName: ReadonlyMap<string, RuntimeNode>;
  readonly tasks: readonly PlannedTask[];
  readonly byKey: ReadonlyMap<string, PlannedTask>;
  /** The Airflow task ids of a runtime task: [main] or, for fan-out, [items, mapped]. */
  mainKey(name: string): string;
  itemsKey(name: string): string | undefined;
  /** Injecting task -> template -> key of the copy. */
  readonly copies: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

export const RETURN_KEY = "return";

export function planFlow(ir: IrProgram, flow: IrFlow, names: PythonNames): FlowPlan {
  const ids = new AirflowIds();
  const nodes: RuntimeNode[] = [];
  const copies = new Map<string, Map<string, string>>();
  const templates = new Map(flow.templates.map((t) => [t.id, t]));

  // Runtime nodes: static tasks, then each injecting task's possible copies.
  const copiesOf = new Map<string, string[]>();
  for (const t of flow.tasks) {
    if (t.inject === undefined) continue;
    copiesOf.set(
      t.id,
      t.inject.templates.map((x) => `${t.id}.${x}`),
    );
  }
  for (const t of flow.tasks) {
    const deps = [...t.dependsOn];
    for (const d of t.dependsOn) deps.push(...(copiesOf.get(d) ?? []));
    nodes.push({ name: t.id, task: t, deps, reads: readsOf(t, [t.id]) });
  }
  for (const t of flow.tasks) {
    for (const x of t.inject?.templates ?? []) {
      const template = templates.get(x);
      if (template === undefined) continue;
      const name = `${t.id}.${x}`;
      const task: IrTask = { ...template, id: name, dependsOn: [...new Set([...template.dependsOn, t.id])].sort() };
      const deps = [...task.dependsOn];
      for (const d of task.dependsOn) if (d !== t.id) deps.push(...(copiesOf.get(d) ?? []));
      nodes.push({ name, task, deps, reads: readsOf(template, [name, x]), injectedBy: t.id, template: x });
    }
  }
  const byName = new Map(nodes.map((n) => [n.name, n]));

  // Ids: the runtime's task names first, so helpers never take a name a task needs.
  for (const n of nodes) if (n.injectedBy === undefined) ids.claim(n.name, n.name);
  ids.claim(RETURN_KEY, "return");
  for (const n of nodes) {
    if (n.task.forEach !== undefined) ids.claim(`${n.name}--items`, `${n.name}--items`);
    if (n.task.inject !== undefined) ids.claim(`${n.name}--inject`, `${n.name}--inject`);
    if (n.injectedBy !== undefined) ids.claim(n.name, `${n.injectedBy}-${n.template!}`);
  }

  const isFanOut = (name: string) => byName.get(name)?.task.forEach !== undefined;
  const mainKey = (name: string) => name;
  const itemsKey = (name: string) => (isFanOut(name) ? `${name}--items` : undefined);
  /** The Airflow tasks that together stand for a runtime task. */
  const expand = (name: string) => (isFanOut(name) ? [`${name}--items`, name] : [name]);

  const tasks: PlannedTask[] = [];
  const add = (p: Omit<PlannedTask, "taskId" | "fn" | "variable">, fnName: string) => {
    const taskId = ids.get(p.key);
    const fn = names.claim(`fn:${p.key}`, fnName);
    const variable = names.claim(`var:${p.key}`, `${fn}_task`);
    const displayName = p.displayName ?? (taskId !== p.name ? p.name : undefined);
    tasks.push({ ...p, taskId, fn, variable, ...(displayName !== undefined && displayName !== taskId ? { displayName } : {}) });
  };

  const entry = (n: RuntimeNode): Pick<PlannedTask, "upstream" | "triggerRule" | "checkSkipped"> => {
    const upstream = n.deps.flatMap(expand);
    if (n.injectedBy !== undefined) upstream.push(`${n.injectedBy}--inject`);
    if (n.deps.length === 0) return { upstream, checkSkipped: [] };
    const readsAll = n.deps.every((d) => n.reads.has(d));
    const fanOutDep = n.deps.some(isFanOut);
    if (readsAll && !fanOutDep) return { upstream, checkSkipped: [] };
    return { upstream, triggerRule: "none_failed_min_one_success", checkSkipped: n.deps.filter((d) => n.reads.has(d)) };
  };

  const emitNode = (n: RuntimeNode) => {
    if (n.task.forEach !== undefined) {
      add({ key: `${n.name}--items`, kind: "items", name: n.name, task: n.task, displayName: `${n.name} (items)`, ...entry(n) }, `${n.name}_items`);
      add({ key: n.name, kind: "mapped", name: n.name, task: n.task, upstream: [], checkSkipped: [] }, n.name);
    } else {
      add({ key: n.name, kind: n.injectedBy !== undefined ? "injected" : "task", name: n.name, task: n.task, ...entry(n) }, n.injectedBy !== undefined ? `${n.injectedBy}_${n.template!}` : n.name);
    }
  };

  for (const n of nodes) {
    if (n.injectedBy !== undefined) continue;
    emitNode(n);
    if (n.task.inject === undefined) continue;
    add({ key: `${n.name}--inject`, kind: "branch", name: n.name, displayName: `${n.name} (inject)`, upstream: [n.name], checkSkipped: [] }, `${n.name}_inject`);
    const byTemplate = new Map<string, string>();
    for (const c of nodes) {
      if (c.injectedBy !== n.name) continue;
      byTemplate.set(c.template!, c.name);
      emitNode(c);
    }
    copies.set(n.name, byTemplate);
  }

  if (flow.output !== undefined) {
    const downstream = new Set(tasks.flatMap((t) => t.upstream));
    for (const t of tasks) if (t.kind === "mapped") downstream.add(`${t.name}--items`);
    const leaves = tasks.filter((t) => !downstream.has(t.key)).map((t) => t.key);
    add({ key: RETURN_KEY, kind: "return", name: "return", upstream: leaves, triggerRule: "none_failed", checkSkipped: [] }, "flow_return");
  }

  const toolReturns = new Map<string, IrType>();
  for (const n of nodes) if (n.task.run.kind === "tool" && ir.tools[n.task.run.tool] !== undefined) toolReturns.set(n.task.run.tool, ir.tools[n.task.run.tool]!.returns);
  return { ir, flow, toolReturns, nodes, byName, tasks, byKey: new Map(tasks.map((t) => [t.key, t])), mainKey, itemsKey, copies };
}

