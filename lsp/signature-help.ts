// textDocument/signatureHelp inside a call: a tool's parameters (declared or
// built in), a guardrail's, or a built-in function's, with the argument the
// cursor is in (by name when it is named, else by position). Declared tools
// and guardrails come from the completion model (lsp/completion-model.ts), as
// completion's names do.

import { MarkupKind, type ParameterInformation, type SignatureHelp } from "vscode-languageserver";
import { BUILTIN_FUNCTIONS, BUILTIN_TOOLS } from "../compiler/builtins.ts";
import { typeToString } from "../compiler/types.ts";
import { visibleNamed } from "./completion.ts";
import { completionContext } from "./completion-context.ts";
import type { CompletionModel } from "./completion-model.ts";

interface Shape {
  readonly label: string;
  readonly params: readonly string[];
  readonly doc?: string;
  /** Built-in functions take positional arguments only. */
  readonly positional: boolean;
}

export function signatureHelp(m: CompletionModel, text: string, offset: number): SignatureHelp | null {
  const ctx = completionContext(text, offset);
  const call = ctx.call;
  if (call === undefined) return null;
  const shape = shapeOf(m, call.callee);
  if (shape === undefined) return null;
  let active: number;
  if (call.current !== undefined) active = shape.params.indexOf(call.current);
  else if (call.named.length > 0 && !shape.positional) active = shape.params.findIndex((p) => !call.named.includes(p));
  else active = call.index;
  if (active < 0 || active >= shape.params.length) active = shape.params.length === 0 ? 0 : Math.min(Math.max(active, 0), shape.params.length - 1);
  // Parameter labels as offsets into the signature label.
  const parameters: ParameterInformation[] = [];
  let from = shape.label.indexOf("(") + 1;
  for (const p of shape.params) {
    const at = shape.label.indexOf(`${p}:`, from);
    const start = at >= 0 ? at : shape.label.indexOf(p, from);
    let stop = start;
    let depth = 0;
    while (stop < shape.label.length) {
      const ch = shape.label[stop]!;
      if (ch === "(" || ch === "[" || ch === "{") depth++;
      else if (ch === ")" || ch === "]" || ch === "}") {
        if (depth === 0) break;
        depth--;
      } else if (ch === "," && depth === 0) break;
      stop++;
    }
    parameters.push({ label: [start, stop] });
    from = stop;
  }
  return {
    signatures: [{ label: shape.label, parameters, ...(shape.doc ? { documentation: { kind: MarkupKind.Markdown, value: shape.doc } } : {}) }],
    activeSignature: 0,
    activeParameter: active,
  };
}

function shapeOf(m: CompletionModel, callee: string): Shape | undefined {
  const sym = visibleNamed(m, callee);
  if ((sym?.kind === "tool" || sym?.kind === "guardrail") && sym.shape !== undefined) return { ...sym.shape, positional: false };
  if (sym !== undefined) return undefined;
  const tool = BUILTIN_TOOLS.get(callee);
  if (tool) {
    const ps = tool.params.map((p) => `${p.name}: ${typeToString(p.type)}${p.default !== undefined ? ` = ${JSON.stringify(p.default)}` : ""}`);
    return { label: `${callee}(${ps.join(", ")}) -> ${typeToString(tool.returns)}`, params: tool.params.map((p) => p.name), doc: tool.doc, positional: false };
  }
  const fn = BUILTIN_FUNCTIONS.get(callee);
  if (fn) {
    const inside = fn.signature.slice(fn.signature.indexOf("(") + 1, fn.signature.lastIndexOf(")"));
    const params = splitTop(inside).map((p) => p.split(":")[0]!.trim()).filter((p) => p !== "");
    return { label: fn.signature, params, doc: fn.doc, positional: true };
  }
  if (callee === "exponential") return { label: "exponential(delay: duration, max: duration)", params: ["delay", "max"], doc: "Retry after delay, doubling each time up to max.", positional: false };
  if (callee === "fixed") return { label: "fixed(delay: duration)", params: ["delay"], doc: "Retry after the same delay each time.", positional: false };
  if (callee === "recall") return { label: "recall(top_k: number)", params: ["top_k"], doc: "The agent's memory: recall the top_k best notes.", positional: false };
  return undefined;
}

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    if (ch === ")" || ch === "]" || ch === "}") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur.trim() !== "") out.push(cur);
  return out;
}
