// How declarations, tasks, parameters and built-ins are shown in an editor:
// one-line signatures (as `.aiw` source) and Markdown with the doc comment.
// Shared by hover, completion and signature help.

import type * as A from "../compiler/ast.ts";
import { BUILTIN_FUNCTIONS, BUILTIN_TOOLS, type BuiltinTool } from "../compiler/builtins.ts";
import type { ToolSignature } from "../compiler/check-context.ts";
import type { ProgramFile } from "../compiler/program.ts";
import { typeToString, type RecordType, type Type } from "../compiler/types.ts";
import type { Analysis } from "./analysis.ts";
import { exprType, loopVariableType, typeOfTypeExpr } from "./expr-types.ts";
import type { Target } from "./symbol-at.ts";

export function code(text: string): string {
  return `\`\`\`aiw\n${text}\n\`\`\``;
}

function sourceOf(file: ProgramFile, node: { start: number; end: number } | undefined): string {
  return node ? file.source.text.slice(node.start, node.end) : "";
}

function propertyText(file: ProgramFile, props: readonly A.Property[], key: string): string | undefined {
  const p = props.find((x) => x.key.name === key);
  return p?.value ? sourceOf(file, p.value) : undefined;
}

function constantString(props: readonly A.Property[], key: string): string | undefined {
  const v = props.find((x) => x.key.name === key)?.value;
  return v?.kind === "String" && v.parts.every((p) => typeof p === "string") ? v.parts.join("") : undefined;
}

export function recordFields(t: RecordType): string {
  return t.fields.map((f) => `  ${f.name}: ${typeToString(f.type)}${f.hasDefault ? (f.defaultValue !== undefined ? ` = ${JSON.stringify(f.defaultValue)}` : " = ...") : ""}`).join("\n");
}

/** `name(a: T, b: U = default) -> R` for a declared tool, flow or guardrail. */
export function paramsText(a: Analysis, file: ProgramFile, params: readonly A.Param[]): string {
  const scope = a.checked.scopes.get(file.absolutePath);
  return params
    .filter((p) => p.name.name !== "")
    .map((p) => `${p.name.name}: ${p.type ? typeToString(typeOfTypeExpr(a, scope, p.type)) : "json"}${p.defaultValue ? ` = ${sourceOf(file, p.defaultValue)}` : ""}`)
    .join(", ");
}

export function builtinToolSignature(t: BuiltinTool): string {
  return `tool ${t.name}(${t.params.map((p) => `${p.name}: ${typeToString(p.type)}${p.default !== undefined ? ` = ${JSON.stringify(p.default)}` : ""}`).join(", ")}) -> ${typeToString(t.returns)}`;
}

export function toolSignatureLine(a: Analysis, sig: ToolSignature): string {
  if (sig.builtin) return builtinToolSignature(sig.builtin);
  const file = sig.symbol?.file;
  if (file && sig.decl) return `tool ${sig.name}(${paramsText(a, file, sig.decl.params)}) -> ${typeToString(sig.returns)}`;
  return `tool ${sig.name}(${sig.params.map((p) => `${p.name}: ${typeToString(p.type)}`).join(", ")}) -> ${typeToString(sig.returns)}`;
}

function typeDeclText(a: Analysis, file: ProgramFile, decl: A.TypeDecl): string {
  const t = a.checked.typeCache.get(decl);
  if (t?.kind === "record" && decl.type.kind === "RecordType") return `type ${decl.name.name} {\n${recordFields(t)}\n}`;
  return `type ${decl.name.name} = ${t ? typeToString({ ...t, ...(t.kind === "record" ? { name: undefined } : {}) } as Type) : sourceOf(file, decl.type)}`;
}

/** The Markdown shown for what a name stands for. */
export function describeTarget(a: Analysis, target: Target): string {
  if (target.kind === "builtin") {
    if (target.what === "function") {
      const fn = BUILTIN_FUNCTIONS.get(target.name);
      return fn ? `${code(fn.signature)}\n\nBuilt-in function. ${fn.doc}` : target.name;
    }
    const tool = BUILTIN_TOOLS.get(target.name);
    return tool ? `${code(builtinToolSignature(tool))}\n\nBuilt-in tool. ${tool.doc}${tool.needsMemory ? " Needs an agent with memory." : ""}` : target.name;
  }
  const { file, site } = target;
  const parts: string[] = [];
  const d = site.declaration;
  const scope = a.checked.scopes.get(file.absolutePath);
  switch (site.kind) {
    case "type":
      parts.push(code(typeDeclText(a, file, d as A.TypeDecl)));
      break;
    case "tool": {
      const decl = d as A.ToolDecl;
      const sig = a.checked.toolSignatures.get(decl);
      parts.push(code(sig ? toolSignatureLine(a, sig) : `tool ${decl.name.name}(${paramsText(a, file, decl.params)})`));
      const binding = propertyText(file, decl.properties, "model") ? `model ${propertyText(file, decl.properties, "model")}` : [propertyText(file, decl.properties, "ts"), propertyText(file, decl.properties, "python")].filter((x) => x !== undefined).join(", ");
      if (binding) parts.push(`Runs: ${binding}`);
      break;
    }
    case "agent": {
      const decl = d as A.AgentDecl;
      parts.push(code(`agent ${decl.name.name}`));
      const persona = (["role", "goal", "backstory"] as const).map((k) => [k, constantString(decl.properties, k) ?? propertyText(file, decl.properties, k)] as const).filter(([, v]) => v !== undefined);
      parts.push(persona.map(([k, v]) => `**${k}**: ${v}`).join("  \n"));
      const tools = propertyText(file, decl.properties, "tools");
      if (tools) parts.push(`**tools**: \`${tools}\``);
      const memory = propertyText(file, decl.properties, "memory");
      if (memory) parts.push(`**memory**: \`${memory}\``);
      break;
    }
    case "model": {
      const decl = d as A.ModelDecl;
      parts.push(code([`model ${decl.name.name}`, ...decl.ports.map((p) => `  ${sourceOf(file, p)}`)].join("\n")));
      const src = constantString(decl.properties, "source");
      if (src) parts.push(`**source**: ${src}`);
      break;
    }
    case "guardrail": {
      const decl = d as A.GuardrailDecl;
      parts.push(code(`guardrail ${decl.name.name}(${paramsText(a, file, decl.params)}) = ${sourceOf(file, decl.condition)} else ${sourceOf(file, decl.message)}`));
      break;
    }
    case "flow": {
      const decl = d as A.FlowDecl;
      const ret = decl.returns ? ` -> ${typeToString(typeOfTypeExpr(a, scope, decl.returns))}` : "";
      parts.push(code(`flow ${decl.name.name}(${paramsText(a, file, decl.params)})${ret}`));
      const description = constantString(decl.properties, "description");
      if (description && description !== decl.doc) parts.push(description);
      break;
    }
    case "task":
    case "template": {
      const flow = a.checked.flows.find((f) => f.info.decl === d)?.info;
      const info = flow?.tasks.get(site.name);
      const type = info ? typeToString(info.valueType) : "unknown";
      parts.push(code(`${site.kind} ${site.name}: ${type}`));
      if (info?.decl.forEach) parts.push(`Runs once per item; each run outputs \`${typeToString(info.itemType)}\`.`);
      const facts: string[] = [];
      if (info?.tool) facts.push(`runs \`${info.tool.name}\``);
      if (info?.agent) facts.push(`as agent \`${info.agent.name}\``);
      if (info && info.deps.length > 0) facts.push(`after ${info.deps.map((d) => `\`${d.name}\``).join(", ")}`);
      if (facts.length > 0) parts.push(`${facts.join(" ")[0]!.toUpperCase()}${facts.join(" ").slice(1)}.`);
      const description = site.task ? constantString(site.task.properties, "description") : undefined;
      if (description) parts.push(description);
      break;
    }
    case "input":
    case "parameter": {
      const p = site.param!;
      const t = p.type ? typeToString(typeOfTypeExpr(a, scope, p.type)) : "json";
      parts.push(code(`(${site.kind === "input" ? "input" : "parameter"}) ${site.name}: ${t}${p.defaultValue ? ` = ${sourceOf(file, p.defaultValue)}` : ""}`));
      parts.push(`of ${d.kind === "FlowDecl" ? "flow" : d.kind === "ToolDecl" ? "tool" : "guardrail"} \`${d.name.name}\``);
      break;
    }
    case "variable": {
      const flow = a.checked.flows.find((f) => f.info.decl === d)?.info;
      const info = flow && site.task ? flow.tasks.get(site.task.name.name) : undefined;
      const t = flow && info ? typeToString(loopVariableType(flow, info)) : "unknown";
      parts.push(code(`(loop variable) ${site.name}: ${t}`));
      if (site.task) parts.push(`one item of the fan-out of task \`${site.task.name.name}\``);
      break;
    }
    case "field": {
      const f = site.field!;
      const t = f.type ? typeToString(typeOfTypeExpr(a, scope, f.type)) : "json";
      parts.push(code(`(field) ${site.name}: ${t}${f.defaultValue ? ` = ${sourceOf(file, f.defaultValue)}` : ""}`));
      parts.push(`of type \`${d.name.name}\``);
      break;
    }
    case "port":
      parts.push(code(sourceOf(file, site.port)));
      parts.push(`of model \`${d.name.name}\``);
      break;
  }
  if (site.doc) parts.push(site.doc);
  return parts.filter((p) => p !== "").join("\n\n");
}

/** A field of a value (`read.text`): its type, for hover. */
export function describeField(name: string, t: Type): string {
  return code(`(field) ${name}: ${typeToString(t)}`);
}

export { exprType };
