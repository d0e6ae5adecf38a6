// The dependency graph of a flow: cycles (reported with their path), the
// topological order the IR lists tasks in, and tasks that can never run.
// Iterative throughout: a flow may chain ten thousand tasks.

import { report, type CheckContext } from "./check-context.ts";
import type { FlowInfo, TaskInfo } from "./check-flow.ts";
import type { Span } from "./source.ts";

/** Edges including what injection implies: a task that waits for an injector waits for what it injects. */
export function dependencyEdges(flow: FlowInfo): Map<string, Map<string, Span[]>> {
  const edges = new Map<string, Map<string, Span[]>>();
  const injectorsOf = new Map<string, string[]>();
  for (const t of flow.tasks.values()) {
    for (const tpl of t.injects) {
      const list = injectorsOf.get(tpl) ?? [];
      list.push(t.name);
      injectorsOf.set(tpl, list);
    }
  }
  for (const t of flow.tasks.values()) {
    const deps = new Map<string, Span[]>();
    for (const [d, spans] of t.deps) if (flow.tasks.has(d)) deps.set(d, spans);
    const injectors = t.isTemplate ? (injectorsOf.get(t.name) ?? []) : [];
    for (const inj of injectors) if (!deps.has(inj)) deps.set(inj, [t.decl.name.span]);
    for (const [d, spans] of [...deps]) {
      // A template starts after its injector, not after its sibling templates.
      if (injectors.includes(d)) continue;
      const dep = flow.tasks.get(d)!;
      for (const tpl of dep.injects) if (tpl !== t.name && !deps.has(tpl)) deps.set(tpl, spans);
    }
    edges.set(t.name, deps);
  }
  return edges;
}

export function analyzeGraph(ctx: CheckContext, flow: FlowInfo): void {
  const edges = dependencyEdges(flow);
  const cyclic = reportCycles(ctx, flow, edges);
  flow.order = topologicalOrder(flow, edges, cyclic);
  reportUnreachable(ctx, flow, edges);
}

/** Tarjan's strongly connected components, iteratively; one diagnostic per cycle. */
function reportCycles(ctx: CheckContext, flow: FlowInfo, edges: Map<string, Map<string, Span[]>>): Set<string> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cyclic = new Set<string>();
  let counter = 0;
  const names = [...flow.tasks.values()].sort((a, b) => a.index - b.index).map((t) => t.name);
  for (const root of names) {
    if (index.has(root)) continue;
    const work: { node: string; it: Iterator<string> }[] = [];
    const enter = (n: string) => {
      index.set(n, counter);
      low.set(n, counter);
      counter++;
      stack.push(n);
      onStack.add(n);
      work.push({ node: n, it: edges.get(n)!.keys() });
    };
    enter(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const next = top.it.next();
      if (!next.done) {
        const w = next.value;
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== top.node);
        if (component.length > 1) {
          for (const c of component) cyclic.add(c);
          reportCycle(ctx, flow, edges, new Set(component));
        }
      }
    }
  }
  return cyclic;
}

function reportCycle(ctx: CheckContext, flow: FlowInfo, edges: Map<string, Map<string, Span[]>>, component: Set<string>): void {
  // A concrete cycle: from the first task (in source order), follow edges
  // inside the component, breadth-first back to the start.
  const start = [...component].sort((a, b) => flow.tasks.get(a)!.index - flow.tasks.get(b)!.index)[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  let closing: string | undefined;
  for (let i = 0; i < queue.length && closing === undefined; i++) {
    const n = queue[i]!;
    for (const d of [...edges.get(n)!.keys()].sort((a, b) => flow.tasks.get(a)!.index - flow.tasks.get(b)!.index)) {
      if (!component.has(d)) continue;
      if (d === start) {
        closing = n;
        break;
      }
      if (!previous.has(d)) {
        previous.set(d, n);
        queue.push(d);
      }
    }
  }
  const path: string[] = [];
  for (let n: string | undefined = closing; n !== undefined && n !== start; n = previous.get(n)) path.unshift(n);
  path.unshift(start);
  // path[i] depends on path[i+1]; show it as "a waits for b".
  const shown = [...path, start];
  const secondary = path.map((n, i) => {
    const to = shown[i + 1]!;
    const span = edges.get(n)!.get(to)![0]!;
    return { span, message: `'${n}' waits for '${to}' here` };
  });
  const first = flow.tasks.get(start)!;
  report(ctx, "AIW0401", {
    message: `tasks wait for each other in a cycle: ${shown.join(" -> ")}`,
    span: first.decl.name.span,
    label: "this task is in a dependency cycle",
    secondary,
    notes: [`the cycle is ${shown.join(" -> ")} (each waits for the next, through 'after' or by reading its output)`],
    help: "remove one of these dependencies",
  });
}

/** Kahn's algorithm; ties broken by source order so the IR follows the file. */
function topologicalOrder(flow: FlowInfo, edges: Map<string, Map<string, Span[]>>, cyclic: Set<string>): string[] {
  const tasks = [...flow.tasks.values()].filter((t) => !t.isTemplate && !cyclic.has(t.name));
  const remaining = new Map<string, number>();
  const dependants = new Map<string, TaskInfo[]>();
  for (const t of tasks) {
    let n = 0;
    for (const d of edges.get(t.name)!.keys()) {
      const dep = flow.tasks.get(d)!;
      if (dep.isTemplate || cyclic.has(d)) continue;
      n++;
      const list = dependants.get(d) ?? [];
      list.push(t);
      dependants.set(d, list);
    }
    remaining.set(t.name, n);
  }
  const heap = new MinHeap<TaskInfo>((a, b) => a.index - b.index);
  for (const t of tasks) if (remaining.get(t.name) === 0) heap.push(t);
  const order: string[] = [];
  while (heap.size > 0) {
    const t = heap.pop()!;
    order.push(t.name);
    for (const d of dependants.get(t.name) ?? []) {
      const left = remaining.get(d.name)! - 1;
      remaining.set(d.name, left);
      if (left === 0) heap.push(d);
    }
  }
  return order;
}

function reportUnreachable(ctx: CheckContext, flow: FlowInfo, edges: Map<string, Map<string, Span[]>>): void {
  const dead = new Map<string, string>(); // task -> why
  for (const t of flow.tasks.values()) if (t.neverRuns) dead.set(t.name, "its 'when' condition is always false");
  const injected = new Set([...flow.tasks.values()].flatMap((t) => t.injects));
  for (const t of flow.tasks.values()) {
    if (t.isTemplate && !injected.has(t.name)) dead.set(t.name, "no task injects it");
  }
  // Propagate along dependants in topological order.
  for (const name of flow.order) {
    if (dead.has(name)) continue;
    for (const d of edges.get(name)!.keys()) {
      if (dead.has(d) && !flow.tasks.get(d)!.isTemplate) {
        dead.set(name, `it waits for '${d}', which never runs`);
        break;
      }
    }
  }
  for (const [name, why] of dead) {
    const t = flow.tasks.get(name)!;
    report(ctx, "AIW0502", {
      message: `${t.isTemplate ? "template" : "task"} '${name}' can never run: ${why}`,
      span: t.decl.name.span,
      label: "never runs",
      help: t.isTemplate ? "inject it from a task with inject: [\"" + name + "\"], or remove it" : "remove it, or fix the condition",
    });
  }
}

class MinHeap<T> {
  private readonly items: T[] = [];
  private readonly less: (a: T, b: T) => number;
  constructor(compare: (a: T, b: T) => number) {
    this.less = compare;
  }
  get size(): number {
    return this.items.length;
  }
  push(x: T): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(a[i]!, a[p]!) >= 0) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!) < 0) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
