// textDocument/completion: what can be written at the cursor. The position in
// the grammar comes from lsp/completion-context.ts (the current text); names,
// types and signatures come from the completion model of the file's latest
// analysis (lsp/completion-model.ts), which may be one edit behind: names are
// looked up by name, never by offset. Runs on the server's main thread, while
// the analysis of the newest text goes on in the worker.

import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type CompletionList, type Range } from "vscode-languageserver";
import { BUILTIN_FUNCTIONS, BUILTIN_TOOLS, PRIMITIVE_TYPES } from "../compiler/builtins.ts";
import { AGENT_PROPERTIES, FLOW_PROPERTIES, MODEL_PROPERTIES, TASK_PROPERTIES, TOOL_PROPERTIES, type BlockSpec } from "../compiler/check-properties.ts";
import type { DeclKind } from "../compiler/scope.ts";
import type { SourceFile } from "../compiler/source.ts";
import { nonNull, typeToString, type Type } from "../compiler/types.ts";
import { completionContext, type BlockKind, type CompletionContext } from "./completion-context.ts";
import type { CompletionModel, FlowModel, GuardrailModel, TaskModel, VisibleModel } from "./completion-model.ts";
import { builtinToolSignature } from "./describe.ts";
import { chainType } from "./expr-types.ts";
import { toRange } from "./positions.ts";
import { PROPERTY_DOCS } from "./property-docs.ts";

export interface CompletionOptions {
  readonly snippets: boolean;
}

const BLOCK_SPECS: Readonly<Record<BlockKind, BlockSpec>> = { flow: FLOW_PROPERTIES, task: TASK_PROPERTIES, agent: AGENT_PROPERTIES, tool: TOOL_PROPERTIES, model: MODEL_PROPERTIES };

/** Sort groups: what is local first, then declarations, then built-ins, then keywords. */
const RANK = { local: "0", property: "1", decl: "2", builtin: "3", keyword: "4", snippet: "5" } as const;

interface Builder {
  readonly items: CompletionItem[];
  readonly range: Range;
  readonly options: CompletionOptions;
}

function add(b: Builder, label: string, kind: CompletionItemKind, rank: keyof typeof RANK, extra: Partial<CompletionItem> = {}): void {
  const item: CompletionItem = { label, kind, sortText: `${RANK[rank]}${label}`, ...extra };
  const text = item.insertText ?? label;
  if (item.insertTextFormat === InsertTextFormat.Snippet && !b.options.snippets) {
    item.insertTextFormat = InsertTextFormat.PlainText;
    item.insertText = text.replace(/\$\{\d+:([^}]*)\}/g, "$1").replace(/\$\{?\d+\}?/g, "");
  }
  item.textEdit = { range: b.range, newText: item.insertText ?? label };
  delete item.insertText;
  b.items.push(item);
}

function doc(value: string): { documentation: { kind: typeof MarkupKind.Markdown; value: string } } {
  return { documentation: { kind: MarkupKind.Markdown, value } };
}

const visibleByName = new WeakMap<CompletionModel, Map<string, VisibleModel>>();

/** The declaration visible in the root file under a name. */
export function visibleNamed(m: CompletionModel, name: string): VisibleModel | undefined {
  let byName = visibleByName.get(m);
  if (byName === undefined) visibleByName.set(m, (byName = new Map(m.visible.map((v) => [v.name, v]))));
  return byName.get(name);
}

/** The guardrail of the root file around an offset (of the model's text: it may be an edit behind). */
function guardrailAt(m: CompletionModel, offset: number): GuardrailModel | undefined {
  return m.guardrails.find((g) => g.start <= offset && offset <= g.end + 1);
}

/** The type of a name read inside `task` (or at flow level); `selfItem` in guards and inject, where a task reads its own output. */
function nameType(flow: FlowModel, task: TaskModel | undefined, name: string, selfItem: boolean): Type | undefined {
  if (task !== undefined && task.loopVar?.name === name) return task.loopVar.type;
  const t = flow.tasks.find((x) => x.name === name);
  if (t !== undefined) return selfItem && t === task ? t.itemType : t.valueType;
  return flow.inputs.find((p) => p.name === name)?.type;
}

export function completion(m: CompletionModel, text: string, source: SourceFile, offset: number, options: CompletionOptions): CompletionList {
  const ctx = completionContext(text, offset);
  const b: Builder = { items: [], range: toRange(source, ctx.replace.start, ctx.replace.end), options };
  const flowEntry = ctx.flowName !== undefined ? m.flows.find((f) => f.name === ctx.flowName) : undefined;
  const task = ctx.taskName !== undefined ? flowEntry?.tasks.find((t) => t.name === ctx.taskName) : undefined;
  const p = ctx.position;
  switch (p.kind) {
    case "declaration":
      declarationItems(b);
      break;
    case "key":
      keyItems(b, p.block, p.present);
      break;
    case "type":
      typeItems(b, m);
      break;
    case "member": {
      const root = flowEntry ? nameType(flowEntry, task, p.root, ctx.selfItem) : guardrailParamType(m, ctx, p.root);
      const t = chainType(root, p.steps);
      fieldItems(b, t);
      break;
    }
    case "taskHeader":
      for (const kw of ["after", "when", "for"]) add(b, kw, CompletionItemKind.Keyword, "keyword");
      break;
    case "after":
      if (flowEntry) for (const t of flowEntry.tasks) if (!t.isTemplate && t.name !== ctx.taskName && !p.present.includes(t.name)) add(b, t.name, CompletionItemKind.Variable, "local", taskDetail(t));
      break;
    case "importNames":
      importNameItems(b, m, p.path, p.present);
      break;
    case "value":
      valueItems(b, m, ctx, flowEntry, task, p.key, p.block, p.inToolList === true);
      break;
    case "none":
      break;
  }
  return { isIncomplete: false, items: b.items };
}

function declarationItems(b: Builder): void {
  const snippets: [string, string, string][] = [
    ["flow", "flow ${1:name}(${2:input}: ${3:string}) {\n  task ${4:first} {\n    run: ${0}\n  }\n}", "A flow of tasks"],
    ["tool", 'tool ${1:name}(${2:text}: ${3:string}) -> ${4:{ result: string \\}} {\n  ts: "${5:./tools.ts#${1}}"\n  python: "${6:tools.module:${1}}"\n}', "A tool bound to your code"],
    ["agent", 'agent ${1:name} {\n  role: "${2}"\n  goal: "${3}"\n  tools: [${0}]\n}', "An agent: a persona and the tools it may use"],
    ["type", "type ${1:Name} {\n  ${2:field}: ${3:string}\n}", "A record type"],
    ["guardrail", 'guardrail ${1:name}(${2:value}: ${3:string}) = ${4:len(${2}) > 0} else "${5:message}"', "A reusable check"],
    ["model", 'model ${1:name} {\n  source: "${2:models/model.xml}"\n  input ${3:features}: ${4:f32}[?, ${5:512}]\n  output ${6:logits}: f32[?, ${7:2}]\n}', "An OpenVINO IR or ONNX model"],
    ["import", 'import { ${2} } from "${1:./common.aiw}"', "Names from another file"],
  ];
  for (const [kw, body, detail] of snippets) {
    add(b, kw, CompletionItemKind.Keyword, "keyword");
    add(b, `${kw} …`, CompletionItemKind.Snippet, "snippet", { insertText: body, insertTextFormat: InsertTextFormat.Snippet, detail, filterText: kw });
  }
}

function keyItems(b: Builder, block: BlockKind, present: readonly string[]): void {
  const spec = BLOCK_SPECS[block];
  for (const [key, s] of Object.entries(spec)) {
    if (present.includes(key) && !s.repeatable) continue;
    const docText = PROPERTY_DOCS[block]?.[key];
    add(b, key, CompletionItemKind.Property, "property", {
      insertText: `${key}: $0`,
      insertTextFormat: InsertTextFormat.Snippet,
      detail: `${block} property${s.required ? " (required)" : ""}`,
      ...(docText ? doc(docText) : {}),
      command: { title: "suggest", command: "editor.action.triggerSuggest" },
    });
  }
  if (block === "flow") {
    add(b, "task", CompletionItemKind.Keyword, "keyword");
    add(b, "template", CompletionItemKind.Keyword, "keyword");
    if (!present.includes("return")) add(b, "return", CompletionItemKind.Keyword, "keyword");
    add(b, "task …", CompletionItemKind.Snippet, "snippet", { insertText: "task ${1:name} {\n  run: ${0}\n}", insertTextFormat: InsertTextFormat.Snippet, detail: "A task", filterText: "task" });
  }
  if (block === "model") {
    add(b, "input …", CompletionItemKind.Snippet, "snippet", { insertText: "input ${1:features}: ${2:f32}[?, ${3:512}]", insertTextFormat: InsertTextFormat.Snippet, filterText: "input" });
    add(b, "output …", CompletionItemKind.Snippet, "snippet", { insertText: "output ${1:logits}: ${2:f32}[?, ${3:2}]", insertTextFormat: InsertTextFormat.Snippet, filterText: "output" });
  }
}

function declItems(b: Builder, m: CompletionModel, kinds: readonly DeclKind[]): void {
  for (const sym of m.visible) {
    if (!kinds.includes(sym.kind)) continue;
    const kind = sym.kind === "type" ? CompletionItemKind.Struct : sym.kind === "tool" ? CompletionItemKind.Function : sym.kind === "agent" ? CompletionItemKind.Class : sym.kind === "model" ? CompletionItemKind.Module : sym.kind === "guardrail" ? CompletionItemKind.Method : CompletionItemKind.Module;
    add(b, sym.name, kind, "decl", { detail: sym.kind, ...(sym.doc !== undefined ? doc(sym.doc) : {}) });
  }
}

function typeItems(b: Builder, m: CompletionModel): void {
  for (const name of Object.keys(PRIMITIVE_TYPES)) add(b, name, CompletionItemKind.TypeParameter, "builtin", { detail: "built-in type" });
  declItems(b, m, ["type"]);
}

function fieldItems(b: Builder, t: Type | undefined): void {
  if (t === undefined) return;
  const base = nonNull(t);
  if (base.kind !== "record") return;
  for (const f of base.fields) add(b, f.name, CompletionItemKind.Field, "local", { detail: typeToString(f.type) });
}

function taskDetail(t: TaskModel): Partial<CompletionItem> {
  return { detail: `${t.isTemplate ? "template" : "task"}: ${typeToString(t.valueType)}` };
}

function guardrailParamType(m: CompletionModel, ctx: CompletionContext, root: string): Type | undefined {
  // Inside a guardrail: its parameters; resolved from their written types.
  return guardrailAt(m, ctx.replace.start)?.params.find((p) => p.name === root)?.type;
}

function valueItems(b: Builder, m: CompletionModel, ctx: CompletionContext, flow: FlowModel | undefined, task: TaskModel | undefined, key: string | undefined, block: BlockKind | undefined, inToolList: boolean): void {
  const call = ctx.call;
  if (inToolList) {
    declItems(b, m, ["tool"]);
    for (const t of BUILTIN_TOOLS.values()) if (!visibleNamed(m, t.name)) add(b, t.name, CompletionItemKind.Function, "builtin", { detail: builtinToolSignature(t), ...doc(t.doc) });
    return;
  }
  if (call?.atName) argumentNameItems(b, m, call.callee, call.named);
  if (call === undefined) {
    switch (key) {
      case "agent":
        if (block === "task") return declItems(b, m, ["agent"]);
        break;
      case "model":
        if (block === "tool") return declItems(b, m, ["model"]);
        break;
      case "run":
        toolCallItems(b, m);
        break;
      case "guard":
        guardrailItems(b, m);
        break;
      case "backoff":
        add(b, "exponential", CompletionItemKind.Function, "builtin", { insertText: "exponential(${1:1s}, max: ${2:30s})", insertTextFormat: InsertTextFormat.Snippet, detail: "exponential(DELAY, max: DELAY)" });
        add(b, "fixed", CompletionItemKind.Function, "builtin", { insertText: "fixed(${1:1s})", insertTextFormat: InsertTextFormat.Snippet, detail: "fixed(DELAY)" });
        return;
      case "memory":
        add(b, "recall", CompletionItemKind.Function, "builtin", { insertText: "recall(top_k: ${1:3})", insertTextFormat: InsertTextFormat.Snippet, detail: "memory: the agent recalls its best top_k notes" });
        add(b, "none", CompletionItemKind.Keyword, "keyword");
        return;
      case "hint":
        if (block === "model") {
          for (const h of ["latency", "throughput"]) add(b, h, CompletionItemKind.EnumMember, "builtin");
          return;
        }
        break;
      case "pre":
        if (block === "tool") {
          add(b, "hashed_words", CompletionItemKind.Function, "builtin", { insertText: "hashed_words(dim: ${1:512})", insertTextFormat: InsertTextFormat.Snippet });
          add(b, "numbers", CompletionItemKind.Function, "builtin");
          add(b, "tokenizer", CompletionItemKind.Function, "builtin", { insertText: 'tokenizer("${1:models/tokenizer.xml}")', insertTextFormat: InsertTextFormat.Snippet });
          return;
        }
        break;
      case "post":
        if (block === "tool") {
          for (const k of ["argmax", "scores", "raw", "embedding"]) add(b, k, CompletionItemKind.Function, "builtin");
          return;
        }
        break;
      case "inject":
        if (flow) for (const t of flow.tasks) if (t.isTemplate) add(b, `"${t.name}"`, CompletionItemKind.Value, "local", { filterText: t.name, detail: "template" });
        break;
    }
  }
  if (block !== undefined && block !== "task" && block !== "flow" && call === undefined) return literalItems(b);
  if (flow) {
    for (const p of flow.inputs) add(b, p.name, CompletionItemKind.Variable, "local", { detail: `input: ${typeToString(p.type)}` });
    for (const t of flow.tasks) {
      if (t.isTemplate) continue;
      if (t === task && !ctx.selfItem) continue;
      add(b, t.name, CompletionItemKind.Variable, "local", taskDetail(t));
    }
    const v = task?.loopVar;
    if (task && v && v.name !== "") add(b, v.name, CompletionItemKind.Variable, "local", { detail: `loop variable: ${typeToString(v.type)}` });
  } else {
    const g = guardrailAt(m, ctx.replace.start);
    for (const p of g?.params ?? []) if (p.name !== "") add(b, p.name, CompletionItemKind.Variable, "local", { detail: "parameter" });
  }
  for (const fn of BUILTIN_FUNCTIONS.values()) add(b, fn.name, CompletionItemKind.Function, "builtin", { insertText: `${fn.name}($0)`, insertTextFormat: InsertTextFormat.Snippet, detail: fn.signature, ...doc(fn.doc), command: { title: "signature help", command: "editor.action.triggerParameterHints" } });
  literalItems(b);
  add(b, "not", CompletionItemKind.Keyword, "keyword");
}

function literalItems(b: Builder): void {
  for (const kw of ["true", "false", "null"]) add(b, kw, CompletionItemKind.Keyword, "keyword");
}

function toolCallItems(b: Builder, m: CompletionModel): void {
  const required = (params: readonly { name: string; hasDefault: boolean }[]) =>
    params
      .filter((p) => !p.hasDefault)
      .map((p, i) => `${p.name}: \${${i + 1}}`)
      .join(", ");
  for (const sym of m.visible) {
    if (sym.kind !== "tool") continue;
    add(b, sym.name, CompletionItemKind.Function, "decl", {
      insertText: sym.call?.insertText ?? `${sym.name}($1)$0`,
      insertTextFormat: InsertTextFormat.Snippet,
      detail: sym.call?.detail ?? "tool",
      ...(sym.doc !== undefined ? doc(sym.doc) : {}),
      command: { title: "signature help", command: "editor.action.triggerParameterHints" },
    });
  }
  for (const t of BUILTIN_TOOLS.values()) {
    if (visibleNamed(m, t.name)) continue;
    add(b, t.name, CompletionItemKind.Function, "builtin", {
      insertText: `${t.name}(${required(t.params.map((p) => ({ name: p.name, hasDefault: p.default !== undefined })))})$0`,
      insertTextFormat: InsertTextFormat.Snippet,
      detail: builtinToolSignature(t),
      ...doc(t.doc),
      command: { title: "signature help", command: "editor.action.triggerParameterHints" },
    });
  }
}

function guardrailItems(b: Builder, m: CompletionModel): void {
  for (const sym of m.visible) {
    if (sym.kind !== "guardrail") continue;
    add(b, sym.name, CompletionItemKind.Method, "decl", { detail: "guardrail", ...(sym.doc !== undefined ? doc(sym.doc) : {}) });
  }
}

/** Inside `tool(`: the parameters not given yet. */
function argumentNameItems(b: Builder, m: CompletionModel, callee: string, named: readonly string[]): void {
  const sym = visibleNamed(m, callee);
  let params: readonly { name: string; type: string; hasDefault: boolean }[] = [];
  if (sym?.kind === "tool" || sym?.kind === "guardrail") params = sym.args ?? [];
  else if (sym === undefined && BUILTIN_TOOLS.has(callee)) {
    params = BUILTIN_TOOLS.get(callee)!.params.map((p) => ({ name: p.name, type: typeToString(p.type), hasDefault: p.default !== undefined }));
  }
  for (const p of params) {
    if (named.includes(p.name)) continue;
    add(b, `${p.name}:`, CompletionItemKind.Field, "local", { insertText: `${p.name}: $0`, insertTextFormat: InsertTextFormat.Snippet, filterText: p.name, sortText: `${RANK.local}0${p.hasDefault ? "1" : "0"}${p.name}`, detail: `${p.type}${p.hasDefault ? " (optional)" : ""}` });
  }
}

function importNameItems(b: Builder, m: CompletionModel, path: string | undefined, present: readonly string[]): void {
  if (path === undefined) return;
  const imp = m.imports.find((i) => i.path === path);
  if (imp?.names === undefined) return;
  for (const site of imp.names) {
    if (present.includes(site.name)) continue;
    add(b, site.name, CompletionItemKind.Reference, "decl", { detail: site.kind, ...doc(site.doc) });
  }
}
