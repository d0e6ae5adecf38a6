// A flow as a Graphviz DOT digraph: for `dot -Tpng`, and the input of the SVG backend.
// Every id and label is a quoted, escaped DOT string, so user text cannot break out.

import type { IrProgram } from "../../ir.ts";
import { flowGraph, type GraphEdge, type GraphNode, type NodeRef } from "./model.ts";

export function flowToDot(ir: IrProgram, flowName: string): string {
  const g = flowGraph(ir, flowName);
  const lines = [`digraph ${dotString(g.name)} {`, "  rankdir=TB;", "  node [shape=box];"];
  for (const n of g.nodes) lines.push(`  ${nodeLine(n)}`);
  for (const e of g.edges) lines.push(`  ${edgeLine(e)}`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/**
 * A task's node is named by its id, so Graphviz's SVG titles name the task;
 * `@` cannot start a task name, so the input and output nodes never clash.
 */
function nodeId(ref: NodeRef): string {
  return dotString(ref.kind === "task" ? ref.id : `@${ref.kind}`);
}

function nodeLine(n: GraphNode): string {
  const attrs: string[] = [];
  if (n.kind === "input" || n.kind === "output") attrs.push("shape=ellipse");
  if (n.kind === "template") attrs.push("style=dashed");
  attrs.push(`label=${dotLabel(n.lines)}`);
  return `${nodeId(n.ref)} [${attrs.join(", ")}];`;
}

function edgeLine(e: GraphEdge): string {
  const attrs: string[] = [];
  if (e.kind === "inject") attrs.push("style=dotted");
  if (e.label !== undefined) attrs.push(`label=${dotLabel([e.label])}`);
  const tail = attrs.length > 0 ? ` [${attrs.join(", ")}]` : "";
  return `${nodeId(e.from)} -> ${nodeId(e.to)}${tail};`;
}

/**
 * Lines joined by Graphviz's centred line break `\n`, each escaped on its own.
 * Graphviz decodes HTML entities in labels, so `&` is encoded to keep `&amp;` in user text literal.
 */
function dotLabel(lines: readonly string[]): string {
  return `"${lines.map((l) => dotEscape(l.replaceAll("&", "&amp;"))).join("\\n")}"`;
}

export function dotString(s: string): string {
  return `"${dotEscape(s)}"`;
}

/**
 * Inside a DOT string a backslash starts an escape (`\n`, `\l`, `\N`...), so it
 * is doubled; control characters become spaces as a raw newline would only
 * survive as an unwanted line break.
 */
export function dotEscape(s: string): string {
  let out = "";
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\" || ch === '"') out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f) out += " ";
    else out += ch;
  }
  return out;
}
