// The dependency graph of a flow: cycles (reported with their path), the
// topological order the IR lists tasks in, and tasks that can never run.
// Iterative throughout: a flow may chain ten thousand tasks.

import { report, type CheckContext } from "./check-context.ts";
import type { FlowInfo, TaskInfo } from "./check-flow.ts";
import type { Span } from "./source.ts";

/** Edges including what injection implies: a task that waits for an injector waits for what it injects. */
export function dependencyEdges(flow: FlowInfo): Map<string, Map<string, Span[]>> {
  const edges = new Map<string, Map<string, Span[]>>();
  // Without injection (most flows) the edges are the tasks' own dependencies.
  let injectorsOf: Map<string, string[]> | undefined;
  for (const t of flow.tasks.values()) {
    if (t.injects.length === 0) continue;
    injectorsOf ??= new Map();
    for (const tpl of t.injects) {
      const list = injectorsOf.get(tpl) ?? [];
      list.push(t.name);
      injectorsOf.set(tpl, list);
    }
  }
  for (const t of flow.tasks.values()) {
    const deps = new Map<string, Span[]>();
    for (const { name: d, spans } of t.deps) if (flow.tasks.has(d)) deps.set(d, spans);
    if (injectorsOf !== undefined) {
      const injectors = t.isTemplate ? (injectorsOf.get(t.name) ?? []) : [];
      for (const inj of injectors) if (!deps.has(inj)) deps.set(inj, [t.decl.name]);
      for (const [d, spans] of [...deps]) {
        // A template starts after its injector, not after its sibling templates.
        if (injectors.includes(d)) continue;
        const dep = flow.tasks.get(d)!;
        for (const tpl of dep.injects) if (tpl !== t.name && !deps.has(tpl)) deps.set(tpl, spans);
      }
    }
    edges.set(t.name, deps);
  }
  return edges;
}

/**
 * The graph with tasks numbered by `TaskInfo.index`: the algorithms below
 * work on arrays instead of maps keyed by name. The tasks task i waits for
 * are successors[from[i] .. to[i]), in the order of its edge map.
 */
interface IndexedGraph {
  /** Every task and template, in source order. */
  readonly nodes: readonly TaskInfo[];
  /** By index (sparse: tasks without a name or with a taken one have none). */
  readonly byIndex: readonly (TaskInfo | undefined)[];
  readonly from: Int32Array;
  readonly to: Int32Array;
  readonly successors: readonly number[];
}

/** `edges` when some task injects templates; without injection the edges are the tasks' own dependencies. */
function indexGraph(flow: FlowInfo, edges: Map<string, Map<string, Span[]>> | undefined): IndexedGraph {
  const nodes = [...flow.tasks.values()];
  // Tasks are numbered in the order they are added, so this is usually sorted already.
  for (let i = 1; i < nodes.length; i++) {
    if (nodes[i - 1]!.index > nodes[i]!.index) {
      nodes.sort((a, b) => a.index - b.index);
      break;
    }
  }
  let size = 0;
  for (const t of nodes) size = Math.max(size, t.index + 1);
  const byIndex: (TaskInfo | undefined)[] = new Array<TaskInfo | undefined>(size).fill(undefined);
  for (const t of nodes) byIndex[t.index] = t;
  const from = new Int32Array(size);
  const to = new Int32Array(size);
  const successors: number[] = [];
  collectTasks = flow.tasks;
  collectInto = successors;
  for (let i = 0; i < nodes.length; i++) {
    const t = nodes[i]!;
    from[t.index] = successors.length;
    // The keys dependencyEdges would give this task: its dependencies that are tasks of the flow.
    if (edges !== undefined) edges.get(t.name)!.forEach(collectSuccessor);
    else for (let k = 0; k < t.deps.length; k++) collectSuccessor(undefined, t.deps[k]!.name);
    to[t.index] = successors.length;
  }
  collectTasks = undefined;
  collectInto = [];
  return { nodes, byIndex, from, to, successors };
}

// State of collectSuccessor, a Map.forEach callback that is not a closure (no allocation per task).
let collectTasks: ReadonlyMap<string, TaskInfo> | undefined;
let collectInto: number[] = [];

function collectSuccessor(_spans: unknown, name: string): void {
  const dep = collectTasks!.get(name);
  if (dep !== undefined) collectInto.push(dep.index);
}

export function analyzeGraph(ctx: CheckContext, flow: FlowInfo): void {
  let injects = false;
  for (const t of flow.tasks.values()) if (t.injects.length > 0) injects = true;
  // The edge maps (with the spans that make each edge) are needed only to
  // print a cycle, or to know what injection adds.
  let edges = injects ? dependencyEdges(flow) : undefined;
  const edgeMaps = (): Map<string, Map<string, Span[]>> => (edges ??= dependencyEdges(flow));
  const graph = indexGraph(flow, edges);
  const cyclic = reportCycles(ctx, flow, edgeMaps, graph);
  flow.order = topologicalOrder(graph, cyclic);
  reportUnreachable(ctx, flow, graph);
}

/** Tarjan's strongly connected components, iteratively; one diagnostic per cycle. */
function reportCycles(ctx: CheckContext, flow: FlowInfo, edgeMaps: () => Map<string, Map<string, Span[]>>, graph: IndexedGraph): Set<string> {
  const size = graph.byIndex.length;
  const { from, to, successors } = graph;
  const index = new Int32Array(size).fill(-1);
  const low = new Int32Array(size);
  const onStack = new Uint8Array(size);
  const stack: number[] = [];
  const cyclic = new Set<string>();
  let counter = 0;
  // The depth-first path: a node and the position of the next edge to follow.
  const workNode = new Int32Array(size);
  const workEdge = new Int32Array(size);
  let depth = 0;
  const enter = (n: number): void => {
    index[n] = counter;
    low[n] = counter;
    counter++;
    stack.push(n);
    onStack[n] = 1;
    workNode[depth] = n;
    workEdge[depth] = from[n]!;
    depth++;
  };
  for (const rootTask of graph.nodes) {
    if (index[rootTask.index] !== -1) continue;
    enter(rootTask.index);
    while (depth > 0) {
      const top = workNode[depth - 1]!;
      const e = workEdge[depth - 1]!;
      if (e < to[top]!) {
        workEdge[depth - 1] = e + 1;
        const w = successors[e]!;
        if (index[w] === -1) enter(w);
        else if (onStack[w] === 1) low[top] = Math.min(low[top]!, index[w]!);
        continue;
      }
      depth--;
      if (depth > 0) {
        const parent = workNode[depth - 1]!;
        low[parent] = Math.min(low[parent]!, low[top]!);
      }
      if (low[top] === index[top]) {
        if (stack[stack.length - 1] === top) {
          // A component of one task: no cycle.
          stack.pop();
          onStack[top] = 0;
          continue;
        }
        const component: string[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          component.push(graph.byIndex[w]!.name);
        } while (w !== top);
        for (const c of component) cyclic.add(c);
        reportCycle(ctx, flow, edgeMaps(), new Set(component));
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
    span: first.decl.name,
    label: "this task is in a dependency cycle",
    secondary,
    notes: [`the cycle is ${shown.join(" -> ")} (each waits for the next, through 'after' or by reading its output)`],
    help: "remove one of these dependencies",
  });
}

/** Kahn's algorithm; ties broken by source order so the IR follows the file. */
function topologicalOrder(graph: IndexedGraph, cyclic: Set<string>): string[] {
  const size = graph.byIndex.length;
  const { from, to, successors } = graph;
  // 1: a task that takes part in the order (not a template, not in a cycle).
  const nodes = graph.nodes;
  const ordered = new Uint8Array(size);
  for (let n = 0; n < nodes.length; n++) {
    const t = nodes[n]!;
    if (!t.isTemplate && (cyclic.size === 0 || !cyclic.has(t.name))) ordered[t.index] = 1;
  }
  // How many ordered tasks each one still waits for, and who waits for it
  // (compressed: the dependants of task i are dependants[first[i] .. first[i + 1]]).
  const remaining = new Int32Array(size);
  const first = new Int32Array(size + 1);
  for (let n = 0; n < nodes.length; n++) {
    const i = nodes[n]!.index;
    if (ordered[i] === 0) continue;
    for (let e = from[i]!; e < to[i]!; e++) {
      const dep = successors[e]!;
      if (ordered[dep] === 0) continue;
      remaining[i]!++;
      first[dep + 1]!++;
    }
  }
  for (let i = 0; i < size; i++) first[i + 1]! += first[i]!;
  const fill = first.slice(0, size);
  const dependants = new Int32Array(first[size]!);
  for (let n = 0; n < nodes.length; n++) {
    const i = nodes[n]!.index;
    if (ordered[i] === 0) continue;
    for (let e = from[i]!; e < to[i]!; e++) {
      const dep = successors[e]!;
      if (ordered[dep] === 1) dependants[fill[dep]!++] = i;
    }
  }
  const heap = indexHeap(size);
  for (let n = 0; n < nodes.length; n++) {
    const i = nodes[n]!.index;
    if (ordered[i] === 1 && remaining[i] === 0) heapPush(heap, i);
  }
  const order: string[] = [];
  while (heap.size > 0) {
    const i = heapPop(heap);
    order.push(graph.byIndex[i]!.name);
    for (let k = first[i]!; k < first[i + 1]!; k++) {
      const d = dependants[k]!;
      if (--remaining[d]! === 0) heapPush(heap, d);
    }
  }
  return order;
}

function reportUnreachable(ctx: CheckContext, flow: FlowInfo, graph: IndexedGraph): void {
  const dead = new Map<string, string>(); // task -> why
  // graph.nodes is flow.tasks in its order (tasks are added in source order).
  const nodes = graph.nodes;
  let injected: Set<string> | undefined;
  let templates = false;
  for (let n = 0; n < nodes.length; n++) {
    const t = nodes[n]!;
    if (t.neverRuns) dead.set(t.name, "its 'when' condition is always false");
    if (t.isTemplate) templates = true;
    if (t.injects.length > 0) {
      injected ??= new Set();
      for (const tpl of t.injects) injected.add(tpl);
    }
  }
  if (templates) {
    for (let n = 0; n < nodes.length; n++) {
      const t = nodes[n]!;
      if (t.isTemplate && !(injected?.has(t.name) ?? false)) dead.set(t.name, "no task injects it");
    }
  }
  if (dead.size === 0) return;
  const { from, to, successors } = graph;
  // Propagate along dependants in topological order.
  for (let k = 0; k < flow.order.length; k++) {
    const name = flow.order[k]!;
    if (dead.has(name)) continue;
    const i = flow.tasks.get(name)!.index;
    for (let e = from[i]!; e < to[i]!; e++) {
      const d = graph.byIndex[successors[e]!]!;
      if (dead.has(d.name) && !d.isTemplate) {
        dead.set(name, `it waits for '${d.name}', which never runs`);
        break;
      }
    }
  }
  for (const [name, why] of dead) {
    const t = flow.tasks.get(name)!;
    report(ctx, "AIW0502", {
      message: `${t.isTemplate ? "template" : "task"} '${name}' can never run: ${why}`,
      span: t.decl.name,
      label: "never runs",
      help: t.isTemplate ? "inject it from a task with inject: [\"" + name + "\"], or remove it" : "remove it, or fix the condition",
    });
  }
}

/**
 * A binary min-heap of task indexes (source order). A plain object and
 * functions rather than a class: a class's instance shape is made as its
 * fields are added and dies with its last instance, and the optimised code of
 * push and pop with it (at every full GC between two checks).
 */
interface IndexHeap {
  readonly items: Int32Array;
  size: number;
}

function indexHeap(capacity: number): IndexHeap {
  return { items: new Int32Array(Math.max(1, capacity)), size: 0 };
}

function heapPush(h: IndexHeap, x: number): void {
  const a = h.items;
  let i = h.size++;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (a[p]! <= x) break;
    a[i] = a[p]!;
    i = p;
  }
  a[i] = x;
}

function heapPop(h: IndexHeap): number {
  const a = h.items;
  const top = a[0]!;
  const last = a[--h.size]!;
  const n = h.size;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const m = r < n && a[r]! < a[l]! ? r : l;
    if (a[m]! >= last) break;
    a[i] = a[m]!;
    i = m;
  }
  if (n > 0) a[i] = last;
  return top;
}
