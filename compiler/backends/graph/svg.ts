// A flow as SVG: the DOT backend laid out by Graphviz compiled to WebAssembly
// (@viz-js/viz), so no `dot` binary is needed.

import { instance, type Viz } from "@viz-js/viz";
import type { IrProgram } from "../../ir.ts";
import { flowToDot } from "./dot.ts";

// Instantiating the WebAssembly module is the slow part; do it once per process.
let viz: Promise<Viz> | undefined;

export function graphviz(): Promise<Viz> {
  viz ??= instance();
  return viz;
}

export async function flowToSvg(ir: IrProgram, flowName: string): Promise<string> {
  const dot = flowToDot(ir, flowName);
  return withoutProlog((await graphviz()).renderString(dot, { format: "svg" }));
}

/** From `<svg` on: the XML declaration and doctype would be invalid inside HTML, and a file needs neither. */
function withoutProlog(svg: string): string {
  const start = svg.indexOf("<svg");
  return start < 0 ? svg : svg.slice(start);
}
