// One flow of the IR as plain nodes and edges with raw-text labels: the
// Mermaid and DOT backends only differ in syntax and escaping, not in layout decisions.

import type { IrExpr, IrFlow, IrProgram, IrTask } from "../../ir.ts";
import { describeExpr } from "./describe-expr.ts";

export type NodeKind = "input" | "task" | "template" | "output";

export interface GraphNode {
  readonly ref: NodeRef;
  readonly kind: NodeKind;
  /** Unescaped label lines; the first is the node's name. */
  readonly lines: readonly string[];
}

export interface GraphEdge {
  readonly from: NodeRef;
  readonly to: NodeRef;
  readonly kind: "depends" | "inject";
  readonly label?: string;
}

/** The input and output nodes are kinds of their own, so no task name can clash with them. */
export type NodeRef = { readonly kind: "input" } | { readonly kind: "output" } | { readonly kind: "task"; readonly id: string };

export interface FlowGraph {
  readonly name: string;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

export class UnknownFlowError extends Error {}

export function flowGraph(ir: IrProgram, flowName: string): FlowGraph {
  const flow = Object.hasOwn(ir.flows, flowName) ? ir.flows[flowName] : undefined;
  if (flow === undefined) throw new UnknownFlowError(`no flow named '${flowName}'`);
  const all = [...flow.tasks, ...flow.templates];
  const known = new Set(all.map((t) => t.id));
  const whenOnEdge = new Set(all.filter((t) => t.when !== undefined && incoming(t, known).length === 1).map((t) => t.id));
  const nodes: GraphNode[] = [inputNode(flowName, flow)];
  for (const t of all) nodes.push(taskNode(t, whenOnEdge.has(t.id)));
  const edges: GraphEdge[] = [];
  for (const t of all) edges.push(...dependencyEdges(t, known, whenOnEdge.has(t.id)));
  for (const t of all) edges.push(...injectEdges(t, known));
  if (flow.output !== undefined) {
    nodes.push({ ref: { kind: "output" }, kind: "output", lines: ["return", describeExpr(flow.output.value)] });
    edges.push(...outputEdges(flow, flow.output.value));
  }
  return { name: flowName, nodes, edges };
}

function inputNode(flowName: string, flow: IrFlow): GraphNode {
  return { ref: { kind: "input" }, kind: "input", lines: [`${flowName}(${flow.inputs.map((p) => p.name).join(", ")})`] };
}

function taskNode(t: IrTask, whenOnEdge: boolean): GraphNode {
  const lines = [t.id, t.run.kind === "tool" ? `tool: ${t.run.tool}` : "expr"];
  if (t.forEach !== undefined) lines.push(`for ${t.forEach.variable} in ${describeExpr(t.forEach.items)}`);
  if (t.agent !== undefined) lines.push(`agent: ${t.agent}`);
  if (t.when !== undefined && !whenOnEdge) lines.push(whenText(t.when));
  return { ref: { kind: "task", id: t.id }, kind: t.kind, lines };
}

function whenText(when: IrExpr): string {
  return `when ${describeExpr(when)}`;
}

/** Where a task's solid in-edges come from: its dependencies, or the flow's start for a root task. */
function incoming(t: IrTask, known: ReadonlySet<string>): NodeRef[] {
  const deps = t.dependsOn.filter((d) => known.has(d));
  if (deps.length > 0) return deps.map((id) => ({ kind: "task", id }));
  // A template with no dependencies starts when injected, not when the flow starts.
  return t.kind === "task" ? [{ kind: "input" }] : [];
}

function dependencyEdges(t: IrTask, known: ReadonlySet<string>, whenOnEdge: boolean): GraphEdge[] {
  const to: NodeRef = { kind: "task", id: t.id };
  const label = whenOnEdge && t.when !== undefined ? { label: whenText(t.when) } : {};
  return incoming(t, known).map((from) => ({ from, to, kind: "depends", ...label }));
}

function injectEdges(t: IrTask, known: ReadonlySet<string>): GraphEdge[] {
  const from: NodeRef = { kind: "task", id: t.id };
  return (t.inject?.templates ?? []).filter((id) => known.has(id)).map((id) => ({ from, to: { kind: "task", id }, kind: "inject", label: "inject" }));
}

/** From the tasks the output reads; when it reads none, from the tasks nothing waits for. */
function outputEdges(flow: IrFlow, value: IrExpr): GraphEdge[] {
  const read = tasksReadBy(value);
  const waitedFor = new Set(flow.tasks.flatMap((t) => t.dependsOn));
  const sources = flow.tasks.filter((t) => (read.size > 0 ? read.has(t.id) : !waitedFor.has(t.id)));
  return sources.map((t) => ({ from: { kind: "task", id: t.id }, to: { kind: "output" }, kind: "depends" }));
}

function tasksReadBy(e: IrExpr, into = new Set<string>()): Set<string> {
  switch (e.op) {
    case "task":
      into.add(e.name);
      break;
    case "get":
      tasksReadBy(e.object, into);
      break;
    case "index":
      tasksReadBy(e.object, into);
      tasksReadBy(e.index, into);
      break;
    case "call":
      for (const a of e.args) tasksReadBy(a, into);
      break;
    case "not":
    case "neg":
      tasksReadBy(e.operand, into);
      break;
    case "binary":
      tasksReadBy(e.left, into);
      tasksReadBy(e.right, into);
      break;
    case "list":
      for (const i of e.items) tasksReadBy(i, into);
      break;
    case "record":
      for (const f of e.fields) tasksReadBy(f.value, into);
      break;
    case "concat":
      for (const p of e.parts) tasksReadBy(p, into);
      break;
    default:
      break;
  }
  return into;
}

/** The flow names of a program, sorted: for messages. */
export function flowNames(ir: IrProgram): string[] {
  return Object.keys(ir.flows).sort();
}
