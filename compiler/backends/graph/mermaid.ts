// A flow as a Mermaid flowchart, for Markdown (GitHub renders ```mermaid blocks).
// Labels carry user text, so every one is quoted and its special characters entity-coded.

import type { IrProgram } from "../../ir.ts";
import { flowGraph, type GraphEdge, type GraphNode, type NodeRef } from "./model.ts";

export function flowToMermaid(ir: IrProgram, flowName: string): string {
  const g = flowGraph(ir, flowName);
  const lines = ["flowchart TD", "  classDef template stroke-dasharray: 5 5"];
  for (const n of g.nodes) lines.push(`  ${nodeLine(n)}`);
  for (const e of g.edges) lines.push(`  ${edgeLine(e)}`);
  return `${lines.join("\n")}\n`;
}

/**
 * Prefixed ids: a bare task id could be a Mermaid keyword (`end`, `class`,
 * `style`) or start with `o`/`x` and turn an arrow into a circle/cross edge.
 */
function nodeId(ref: NodeRef): string {
  return ref.kind === "task" ? `t_${ref.id}` : `flow_${ref.kind}`;
}

function nodeLine(n: GraphNode): string {
  const label = `"${n.lines.map(mermaidText).join("<br/>")}"`;
  const id = nodeId(n.ref);
  if (n.kind === "input" || n.kind === "output") return `${id}([${label}])`;
  return n.kind === "template" ? `${id}[${label}]:::template` : `${id}[${label}]`;
}

function edgeLine(e: GraphEdge): string {
  const arrow = e.kind === "inject" ? "-.->" : "-->";
  const label = e.label === undefined ? "" : `|${edgeLabel(e.label)}|`;
  return `${nodeId(e.from)} ${arrow}${label} ${nodeId(e.to)}`;
}

/** A plain word reads better unquoted (`-.->|inject|`); anything else is quoted. */
function edgeLabel(text: string): string {
  return /^[A-Za-z0-9_]+$/.test(text) ? text : `"${mermaidText(text)}"`;
}

// `#` itself is coded so that user text which looks like an entity code stays literal.
const ENTITIES: Readonly<Record<string, string>> = {
  "#": "#35;",
  '"': "#quot;",
  "&": "#amp;",
  "<": "#lt;",
  ">": "#gt;",
  "[": "#91;",
  "]": "#93;",
  "{": "#123;",
  "}": "#125;",
  "|": "#124;",
  "`": "#96;",
};

/** Text safe inside a quoted Mermaid label: entity codes for anything the parser or HTML would read. */
export function mermaidText(s: string): string {
  let out = "";
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) out += " ";
    else out += ENTITIES[ch] ?? ch;
  }
  return out;
}
