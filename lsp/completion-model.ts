// What completion and signature help need to know of a file's analysis,
// taken out of it as plain data: the names in scope (with their hover text,
// call snippets and parameters), the root file's flows (inputs, tasks and
// their types), guardrails and imports. The analysis worker (lsp/worker.ts)
// builds one after each analysis of an open file and posts it to the main
// thread, which answers completion from it and the current text without
// waiting for the analysis under way (structured clone: no AST, no checker
// state, types without their declaration).

import type * as A from "../compiler/ast.ts";
import type { ParamSignature } from "../compiler/check-context.ts";
import type { DeclKind } from "../compiler/scope.ts";
import { typeToString, type FieldType, type Type } from "../compiler/types.ts";
import type { Analysis } from "./analysis.ts";
import { describeTarget, paramsText, toolSignatureLine } from "./describe.ts";
import { loopVariableType, typeOfTypeExpr } from "./expr-types.ts";
import { sitesOf } from "./symbol-at.ts";

/** A tool's or guardrail's parameter as a call shows it. */
export interface ArgumentModel {
  readonly name: string;
  readonly type: string;
  readonly hasDefault: boolean;
}

/** What signature help shows for a call of a declared tool or guardrail. */
export interface ShapeModel {
  readonly label: string;
  readonly params: readonly string[];
  readonly doc?: string;
}

/** A declaration visible in the root file (its own, or imported). */
export interface VisibleModel {
  readonly name: string;
  readonly kind: DeclKind;
  /** The hover text of its declaration, when it has a definition site (not for flows). */
  readonly doc?: string;
  /** Tools: the call snippet and the signature line. */
  readonly call?: { readonly insertText: string; readonly detail: string };
  /** Tools and guardrails: the parameters, in order. */
  readonly args?: readonly ArgumentModel[];
  /** Tools and guardrails: the signature. */
  readonly shape?: ShapeModel;
}

export interface TaskModel {
  readonly name: string;
  readonly isTemplate: boolean;
  readonly valueType: Type;
  readonly itemType: Type;
  /** A fan-out task's loop variable (its name may be "" while typed) and its type. */
  readonly loopVar?: { readonly name: string; readonly type: Type };
}

export interface FlowModel {
  readonly name: string;
  readonly inputs: readonly { readonly name: string; readonly type: Type }[];
  /** Tasks and templates, in the checker's order. */
  readonly tasks: readonly TaskModel[];
}

export interface GuardrailModel {
  readonly start: number;
  readonly end: number;
  readonly params: readonly { readonly name: string; readonly type?: Type }[];
}

export interface ImportModel {
  readonly path: string;
  /** The imported file's declarations; undefined when the file is missing. */
  readonly names?: readonly { readonly name: string; readonly kind: string; readonly doc: string }[];
}

export interface CompletionModel {
  /** Absolute path of the root file. */
  readonly root: string;
  /** The root file's scope, in its order. */
  readonly visible: readonly VisibleModel[];
  /** Flows declared in the root file, in order. */
  readonly flows: readonly FlowModel[];
  /** Guardrails declared in the root file, in order. */
  readonly guardrails: readonly GuardrailModel[];
  /** The root file's imports, in order. */
  readonly imports: readonly ImportModel[];
}

/** `n: ${1}, m: ${2}`: the parameters without a default, as snippet placeholders. */
function requiredArgs(params: readonly { name: string; hasDefault: boolean }[]): string {
  return params
    .filter((p) => !p.hasDefault)
    .map((p, i) => `${p.name}: \${${i + 1}}`)
    .join(", ");
}

/** A copy of a type without the declarations records keep (`origin`), sharing what it shares. */
function plainType(t: Type, seen: Map<Type, Type>): Type {
  const done = seen.get(t);
  if (done !== undefined) return done;
  let out: Type;
  switch (t.kind) {
    case "list":
      out = { kind: "list", element: plainType(t.element, seen) };
      break;
    case "optional":
      out = { kind: "optional", inner: plainType(t.inner, seen) };
      break;
    case "record":
      out = {
        kind: "record",
        fields: t.fields.map((f): FieldType => ({ ...f, type: plainType(f.type, seen) })),
        ...(t.name !== undefined ? { name: t.name } : {}),
      };
      break;
    default:
      out = t;
  }
  seen.set(t, out);
  return out;
}

function argumentsOf(params: readonly ParamSignature[]): ArgumentModel[] {
  return params.map((p) => ({ name: p.name, type: typeToString(p.type), hasDefault: p.hasDefault }));
}

export function completionModel(a: Analysis): CompletionModel {
  const types = new Map<Type, Type>();
  const plain = (t: Type) => plainType(t, types);
  const scope = a.checked.scopes.get(a.root);
  const visible: VisibleModel[] = [];
  for (const [name, sym] of scope?.visible ?? []) {
    if (sym.kind === "flow") {
      visible.push({ name, kind: sym.kind });
      continue;
    }
    const file = a.program.files.get(sym.file.absolutePath) ?? sym.file;
    const site = sitesOf(file).find((s) => s.path.length === 1 && s.name === name);
    const doc = site ? describeTarget(a, { kind: "site", file, site }) : undefined;
    const entry: { -readonly [K in keyof VisibleModel]: VisibleModel[K] } = { name, kind: sym.kind, ...(doc !== undefined ? { doc } : {}) };
    if (sym.kind === "tool") {
      const decl = sym.decl as A.ToolDecl;
      const sig = a.checked.toolSignatures.get(decl);
      entry.call = { insertText: `${name}(${sig ? requiredArgs(sig.params) : "$1"})$0`, detail: sig ? toolSignatureLine(a, sig) : "tool" };
      entry.args = sig ? argumentsOf(sig.params) : [];
      const ret = sig ? typeToString(sig.returns) : "json";
      entry.shape = { label: `${name}(${paramsText(a, sym.file, decl.params)}) -> ${ret}`, params: decl.params.map((p) => p.name.name), ...(decl.doc ? { doc: decl.doc } : {}) };
    } else if (sym.kind === "guardrail") {
      const decl = sym.decl as A.GuardrailDecl;
      const declScope = a.checked.scopes.get(sym.file.absolutePath);
      const typed = decl.params.map((p) => ({ name: p.name.name, type: p.type ? typeToString(typeOfTypeExpr(a, declScope, p.type)) : "json", hasDefault: p.defaultValue !== undefined }));
      entry.args = typed;
      entry.shape = { label: `${name}(${typed.map((p) => `${p.name}: ${p.type}`).join(", ")})`, params: decl.params.map((p) => p.name.name), ...(decl.doc ? { doc: decl.doc } : {}) };
    }
    visible.push(entry);
  }

  const flows: FlowModel[] = [];
  for (const { symbol, info } of a.checked.flows) {
    if (symbol.file !== a.file) continue;
    const tasks: TaskModel[] = [];
    for (const t of info.tasks.values()) {
      const v = t.decl.forEach?.variable;
      tasks.push({
        name: t.name,
        isTemplate: t.isTemplate,
        valueType: plain(t.valueType),
        itemType: plain(t.itemType),
        ...(v ? { loopVar: { name: v.name, type: plain(loopVariableType(info, t)) } } : {}),
      });
    }
    flows.push({ name: info.decl.name.name, inputs: info.inputs.map((p) => ({ name: p.name, type: plain(p.type) })), tasks });
  }

  const guardrails: GuardrailModel[] = [];
  for (const d of a.file.parsed.ast.declarations) {
    if (d.kind !== "GuardrailDecl") continue;
    guardrails.push({ start: d.start, end: d.end, params: d.params.map((p) => ({ name: p.name.name, ...(p.type !== undefined ? { type: plain(typeOfTypeExpr(a, scope, p.type)) } : {}) })) });
  }

  const imports: ImportModel[] = [];
  for (const imp of a.file.imports) {
    const file = imp.target !== undefined ? a.program.files.get(imp.target) : undefined;
    if (file === undefined) {
      imports.push({ path: imp.decl.path });
      continue;
    }
    const names = sitesOf(file)
      .filter((site) => site.path.length === 1)
      .map((site) => ({ name: site.name, kind: site.kind, doc: describeTarget(a, { kind: "site", file, site }) }));
    imports.push({ path: imp.decl.path, names });
  }
  return { root: a.root, visible, flows, guardrails, imports };
}
