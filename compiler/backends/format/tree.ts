// The formatter's own tree: the AST reshaped so Prettier can walk it. Every
// node has a `type` and offsets, members are merged back into source order, and
// brackets the AST has no node for (blocks, parameter lists) get nodes, so that
// comments inside an empty `{}` or `()` have somewhere to attach.

import type { IToken } from "chevrotain";
import type * as A from "../../ast.ts";
import type { Span } from "../../source.ts";

interface Base {
  start: number;
  end: number;
  comments?: FComment[];
}

export interface FComment {
  type: "Comment";
  kind: "line" | "doc" | "block";
  value: string;
  start: number;
  end: number;
  // Set by Prettier's comment attachment.
  leading?: boolean;
  trailing?: boolean;
  printed?: boolean;
  marker?: string;
  /** Printed with a space before it: it follows text that has none (`f // c` before `(`). */
  padBefore?: boolean;
  enclosingNode?: FNode;
  precedingNode?: FNode;
  followingNode?: FNode;
}

export interface FFile extends Base { type: "File"; members: FMember[] }
export type FMember = FImport | FTypeDecl | FModel | FTool | FAgent | FGuardrail | FFlow;

export interface FImport extends Base { type: "Import"; names?: FNameList; path: FLiteral }
export interface FNameList extends Base { type: "NameList"; items: FIdent[] }
export interface FTypeDecl extends Base { type: "TypeDecl"; name: FIdent; body: FType }
export interface FModel extends Base { type: "Model"; name: FIdent; body: FBlock }
export interface FTool extends Base { type: "Tool"; name: FIdent; params: FParams; returns?: FType; body?: FBlock }
export interface FAgent extends Base { type: "Agent"; name: FIdent; body: FBlock }
export interface FGuardrail extends Base { type: "Guardrail"; name: FIdent; params: FParams; condition?: FExpr; message?: FExpr }
export interface FFlow extends Base { type: "Flow"; name: FIdent; params: FParams; returns?: FType; body: FBlock }

export interface FBlock extends Base { type: "Block"; members: FStatement[] }
export type FStatement = FProperty | FPort | FTask | FReturn;
/** `key: value [else message]`, or `output: Type` (`typeValue`) in a body. */
export interface FProperty extends Base { type: "Property"; key: FIdent; value?: FExpr; typeValue?: FType; message?: FExpr }
export interface FPort extends Base { type: "Port"; direction: FIdent; name: FIdent; dtype: FIdent; dims: FDims }
export interface FDims extends Base { type: "Dims"; items: FIdent[] }
export interface FTask extends Base {
  type: "Task";
  keyword: "task" | "template";
  name: FIdent;
  after: FIdent[];
  when?: FExpr;
  variable?: FIdent;
  iterable?: FExpr;
  body: FBlock;
}
export interface FReturn extends Base { type: "Return"; value?: FExpr }

export interface FParams extends Base { type: "Params"; items: FBinding[] }
/** A parameter or a field of a record type: `name: type = default`. */
export interface FBinding extends Base { type: "Binding"; name: FIdent; annotation?: FType; value?: FExpr }

export type FType = FNamedType | FListType | FOptionalType | FRecordType;
export interface FNamedType extends Base { type: "NamedType"; name: FIdent }
export interface FListType extends Base { type: "ListType"; element: FType }
export interface FOptionalType extends Base { type: "OptionalType"; inner: FType }
export interface FRecordType extends Base { type: "RecordType"; fields: FBinding[] }

export type FExpr = FLiteral | FIdent | FMemberAccess | FIndex | FCall | FUnary | FBinary | FList | FRecord | FParen;
/** Strings, numbers, durations, booleans and null: printed as the source spells them. */
export interface FLiteral extends Base { type: "Literal" }
export interface FIdent extends Base { type: "Ident"; name: string }
export interface FMemberAccess extends Base { type: "Member"; object: FExpr; field: FIdent }
export interface FIndex extends Base { type: "Index"; object: FExpr; index: FExpr }
export interface FCall extends Base { type: "Call"; callee: FExpr; args: FArgs }
export interface FArgs extends Base { type: "Args"; items: FArg[] }
export interface FArg extends Base { type: "Arg"; name?: FIdent; value: FExpr }
export interface FUnary extends Base { type: "Unary"; operator: A.UnaryOperator; operand: FExpr }
export interface FBinary extends Base { type: "Binary"; operator: A.BinaryOperator; left: FExpr; right: FExpr }
export interface FList extends Base { type: "List"; items: FExpr[] }
export interface FRecord extends Base { type: "Record"; fields: FRecordField[] }
export interface FRecordField extends Base { type: "RecordField"; key: FIdent; value: FExpr }
export interface FParen extends Base { type: "Paren"; inner: FExpr }

export type FNode =
  | FFile | FMember | FNameList | FBlock | FStatement | FDims | FParams | FBinding | FType | FExpr | FArgs | FArg | FRecordField;

/** Keys holding child nodes, by node type: what Prettier walks to attach comments. */
export const childKeys: Readonly<Record<FNode["type"], readonly string[]>> = {
  File: ["members"],
  Import: ["names", "path"],
  NameList: ["items"],
  TypeDecl: ["name", "body"],
  Model: ["name", "body"],
  Tool: ["name", "params", "returns", "body"],
  Agent: ["name", "body"],
  Guardrail: ["name", "params", "condition", "message"],
  Flow: ["name", "params", "returns", "body"],
  Block: ["members"],
  Property: ["key", "value", "typeValue", "message"],
  Port: ["direction", "name", "dtype", "dims"],
  Dims: ["items"],
  Task: ["name", "after", "when", "variable", "iterable", "body"],
  Return: ["value"],
  Params: ["items"],
  Binding: ["name", "annotation", "value"],
  NamedType: ["name"],
  ListType: ["element"],
  OptionalType: ["inner"],
  RecordType: ["fields"],
  Literal: [],
  Ident: [],
  Member: ["object", "field"],
  Index: ["object", "index"],
  Call: ["callee", "args"],
  Args: ["items"],
  Arg: ["name", "value"],
  Unary: ["operand"],
  Binary: ["left", "right"],
  List: ["items"],
  Record: ["fields"],
  RecordField: ["key", "value"],
  Paren: ["inner"],
};

// ------------------------------------------------------------------ building

/** Finds bracket tokens the AST only implies (the `(` of a parameter list, the `{` of a body). */
class Brackets {
  private readonly tokens: readonly IToken[];

  constructor(tokens: readonly IToken[]) {
    this.tokens = tokens;
  }

  /** Offset of the first `image` token starting at or after `offset`. */
  find(image: string, offset: number): number {
    let lo = 0;
    let hi = this.tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.tokens[mid]!.startOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.tokens.length; i++) {
      if (this.tokens[i]!.image === image) return this.tokens[i]!.startOffset;
    }
    return offset;
  }

  /** `{open} ... {close}` whose opener is the first after `from` and closer the first after `lastInside`. */
  pair(open: string, close: string, from: number, lastInside?: number): { start: number; end: number } {
    const start = this.find(open, from);
    const end = this.find(close, Math.max(start + 1, lastInside ?? 0)) + 1;
    return { start, end };
  }
}

const at = (s: Span | { start: number; end: number }) => ({ start: s.start, end: s.end });
const maxEnd = (from: number, ...nodes: ({ end: number } | undefined)[]) => nodes.reduce((m, n) => (n ? Math.max(m, n.end) : m), from);

export function buildTree(ast: A.FileAst, tokens: readonly IToken[], comments: FComment[]): FFile {
  const b = new Brackets(tokens);
  const members: FMember[] = [...ast.imports.map((i) => importNode(b, i)), ...ast.declarations.map((d) => declaration(b, d))];
  members.sort((x, y) => x.start - y.start);
  return { type: "File", members, start: ast.span.start, end: ast.span.end, comments };
}

function importNode(b: Brackets, d: A.ImportDecl): FImport {
  const path: FLiteral = { type: "Literal", ...at(d.pathSpan) };
  if (d.names === undefined) return { type: "Import", path, ...at(d) };
  const items = d.names.map(ident);
  const names: FNameList = { type: "NameList", items, ...b.pair("{", "}", d.start, items.at(-1)?.end) };
  return { type: "Import", names, path, ...at(d) };
}

function declaration(b: Brackets, d: A.Declaration): FMember {
  const name = ident(d.name);
  switch (d.kind) {
    case "TypeDecl":
      return { type: "TypeDecl", name, body: typeNode(d.type), ...at(d) };
    case "ModelDecl": {
      const members = [...d.ports.map(port), ...d.properties.map(property)];
      return { type: "Model", name, body: block(b, name.end, d.end, members), ...at(d) };
    }
    case "ToolDecl": {
      const params = paramList(b, name.end, d.params);
      const returns = d.returns && typeNode(d.returns);
      const body = d.hasBody ? block(b, maxEnd(params.end, returns), d.end, d.properties.map(property)) : undefined;
      return { type: "Tool", name, params, ...(returns ? { returns } : {}), ...(body ? { body } : {}), ...at(d) };
    }
    case "AgentDecl":
      return { type: "Agent", name, body: block(b, name.end, d.end, d.properties.map(property)), ...at(d) };
    case "GuardrailDecl":
      return {
        type: "Guardrail",
        name,
        params: paramList(b, name.end, d.params),
        ...(d.condition ? { condition: expr(d.condition) } : {}),
        ...(d.message ? { message: expr(d.message) } : {}),
        ...at(d),
      };
    case "FlowDecl":
      return flow(b, d, name);
  }
}

function flow(b: Brackets, d: A.FlowDecl, name: FIdent): FFlow {
  const params = paramList(b, name.end, d.params);
  const returns = d.returns && typeNode(d.returns);
  const members: FStatement[] = [
    ...d.properties.map(property),
    ...d.tasks.map((t) => task(b, t)),
    ...d.templates.map((t) => task(b, t)),
  ];
  if (d.returnSpan) members.push({ type: "Return", ...(d.returnValue ? { value: expr(d.returnValue) } : {}), ...at(d.returnSpan) });
  const body = block(b, maxEnd(params.end, returns), d.end, members);
  return { type: "Flow", name, params, ...(returns ? { returns } : {}), body, ...at(d) };
}

function task(b: Brackets, t: A.TaskDecl): FTask {
  const name = ident(t.name);
  const after = t.after.map(ident);
  const when = t.when && expr(t.when);
  const variable = t.forEach && ident(t.forEach.variable);
  const iterable = t.forEach?.iterable && expr(t.forEach.iterable);
  const headerEnd = maxEnd(name.end, after.at(-1), when, variable, iterable);
  return {
    type: "Task",
    keyword: t.kind === "TaskDecl" ? "task" : "template",
    name,
    after,
    ...(when ? { when } : {}),
    ...(variable ? { variable } : {}),
    ...(iterable ? { iterable } : {}),
    body: block(b, headerEnd, t.end, t.properties.map(property)),
    ...at(t),
  };
}

/** A `{ ... }` body: opens at the first `{` after the header, closes where its declaration ends. */
function block(b: Brackets, headerEnd: number, declEnd: number, members: FStatement[]): FBlock {
  members.sort((x, y) => x.start - y.start);
  return { type: "Block", members, start: b.find("{", headerEnd), end: declEnd };
}

function paramList(b: Brackets, nameEnd: number, params: readonly A.Param[]): FParams {
  const items = params.map(binding);
  return { type: "Params", items, ...b.pair("(", ")", nameEnd, items.at(-1)?.end) };
}

function binding(p: A.Param | A.FieldDecl): FBinding {
  return {
    type: "Binding",
    name: ident(p.name),
    ...(p.type ? { annotation: typeNode(p.type) } : {}),
    ...(p.defaultValue ? { value: expr(p.defaultValue) } : {}),
    ...at(p),
  };
}

function property(p: A.Property): FProperty {
  return {
    type: "Property",
    key: ident(p.key),
    ...(p.value ? { value: expr(p.value) } : {}),
    ...(p.typeValue ? { typeValue: typeNode(p.typeValue) } : {}),
    ...(p.message ? { message: expr(p.message) } : {}),
    ...at(p),
  };
}

function port(p: A.PortDecl): FPort {
  const dtype = ident(p.dtype);
  const items = p.dims.map((d) => ({ type: "Ident" as const, name: d.text, ...at(d) }));
  // The port ends at its `]`, so the dims run from after the dtype to the port's end.
  const dims: FDims = { type: "Dims", items, start: dtype.end, end: p.end };
  return { type: "Port", direction: ident(p.direction), name: ident(p.name), dtype, dims, ...at(p) };
}

function ident(id: A.Identifier): FIdent {
  return { type: "Ident", name: id.name, ...at(id) };
}

function typeNode(t: A.TypeExpr): FType {
  switch (t.kind) {
    case "NamedType":
      return { type: "NamedType", name: ident(t.name), ...at(t) };
    case "ListType":
      return { type: "ListType", element: typeNode(t.element), ...at(t) };
    case "OptionalType":
      return { type: "OptionalType", inner: typeNode(t.inner), ...at(t) };
    case "RecordType":
      return { type: "RecordType", fields: t.fields.map(binding), ...at(t) };
  }
}

function expr(e: A.Expr): FExpr {
  switch (e.kind) {
    case "Number":
    case "Duration":
    case "String":
    case "Boolean":
    case "Null":
      return { type: "Literal", ...at(e) };
    case "Name":
      return { type: "Ident", name: e.name, ...at(e) };
    case "Field":
      return { type: "Member", object: expr(e.object), field: ident(e.field), ...at(e) };
    case "Index":
      return { type: "Index", object: expr(e.object), index: expr(e.index), ...at(e) };
    case "Call":
      return { type: "Call", callee: expr(e.callee), args: { type: "Args", items: e.args.map(arg), ...at(e.argsSpan) }, ...at(e) };
    case "Unary":
      return { type: "Unary", operator: e.operator, operand: expr(e.operand), ...at(e) };
    case "Binary":
      return { type: "Binary", operator: e.operator, left: expr(e.left), right: expr(e.right), ...at(e) };
    case "List":
      return { type: "List", items: e.items.map(expr), ...at(e) };
    case "Record":
      return { type: "Record", fields: e.fields.map((f) => ({ type: "RecordField", key: ident(f.key), value: expr(f.value), ...at(f) })), ...at(e) };
    case "Paren":
      return { type: "Paren", inner: expr(e.inner), ...at(e) };
  }
}

function arg(a: A.Argument): FArg {
  return { type: "Arg", ...(a.name ? { name: ident(a.name) } : {}), value: expr(a.value), ...at(a) };
}
