// The abstract syntax tree of one `.aiw` file: plain typed values, built by
// the parser's actions (grammar/parser.ts). Parts that error recovery could
// not find are left out (optional fields) or have an empty name.
//
// Every node is located: it carries its file and offsets (`file`, `start`,
// `end`), so a node is its own Span and can be passed wherever a Span is
// expected. (A span object per node was half of a long flow's objects: see
// "Performance of the front end" in docs/architecture.md.) Code that keeps a
// span beyond the compilation, or sends it elsewhere, copies it (spanOf).

import type { Span } from "./source.ts";

export interface Identifier extends Span {
  readonly name: string;
}

export interface Comment extends Span {
  readonly kind: "line" | "doc" | "block";
  readonly text: string;
}

export interface FileAst {
  readonly path: string;
  readonly imports: readonly ImportDecl[];
  readonly declarations: readonly Declaration[];
  readonly comments: readonly Comment[];
  readonly span: Span;
}

export interface ImportDecl extends Span {
  readonly kind: "Import";
  /** The path exactly as written (after unescaping), relative to the importing file. */
  readonly path: string;
  readonly pathSpan: Span;
  /** Selected names (`import { a } from "..."`), or undefined for every name. */
  readonly names?: readonly Identifier[];
}

export type Declaration = TypeDecl | ModelDecl | ToolDecl | AgentDecl | GuardrailDecl | FlowDecl;
export type DeclarationKind = Declaration["kind"];

interface DeclBase extends Span {
  readonly name: Identifier;
  /** Text of the `///` comments right above the declaration, without the slashes. */
  readonly doc?: string;
}

export interface TypeDecl extends DeclBase {
  readonly kind: "TypeDecl";
  readonly type: TypeExpr;
}

export interface ModelDecl extends DeclBase {
  readonly kind: "ModelDecl";
  readonly properties: readonly Property[];
  readonly ports: readonly PortDecl[];
}

/** A dimension of a port: its text, as written. */
export interface PortDim extends Span {
  readonly text: string;
}

/** `input features: f32[?, 512]` inside a model. */
export interface PortDecl extends Span {
  readonly kind: "Port";
  readonly direction: Identifier;
  readonly name: Identifier;
  readonly dtype: Identifier;
  /** A number, or a name (a symbolic dimension), or "?" for any size. */
  readonly dims: readonly PortDim[];
}

export interface ToolDecl extends DeclBase {
  readonly kind: "ToolDecl";
  readonly params: readonly Param[];
  readonly returns?: TypeExpr;
  readonly properties: readonly Property[];
  readonly hasBody: boolean;
}

export interface AgentDecl extends DeclBase {
  readonly kind: "AgentDecl";
  readonly properties: readonly Property[];
}

export interface GuardrailDecl extends DeclBase {
  readonly kind: "GuardrailDecl";
  readonly params: readonly Param[];
  readonly condition?: Expr;
  readonly message?: Expr;
}

export interface FlowDecl extends DeclBase {
  readonly kind: "FlowDecl";
  readonly params: readonly Param[];
  readonly returns?: TypeExpr;
  readonly properties: readonly Property[];
  readonly tasks: readonly TaskDecl[];
  readonly templates: readonly TaskDecl[];
  readonly returnValue?: Expr;
  readonly returnSpan?: Span;
}

export interface TaskDecl extends DeclBase {
  readonly kind: "TaskDecl" | "TemplateDecl";
  readonly after: readonly Identifier[];
  readonly when?: Expr;
  readonly forEach?: { readonly variable: Identifier; readonly iterable?: Expr };
  readonly properties: readonly Property[];
}

export interface Param extends Span {
  readonly name: Identifier;
  readonly type?: TypeExpr;
  readonly defaultValue?: Expr;
  readonly doc?: string;
}

/** `key: value`, `key: value else message` (guards) or `output: Type`. */
export interface Property extends Span {
  readonly key: Identifier;
  readonly value?: Expr;
  readonly message?: Expr;
  /** Set for `output: Type` only. */
  readonly typeValue?: TypeExpr;
}

// ------------------------------------------------------------------ types

export type TypeExpr = NamedTypeExpr | ListTypeExpr | OptionalTypeExpr | RecordTypeExpr;

export interface NamedTypeExpr extends Span {
  readonly kind: "NamedType";
  readonly name: Identifier;
}

export interface ListTypeExpr extends Span {
  readonly kind: "ListType";
  readonly element: TypeExpr;
}

export interface OptionalTypeExpr extends Span {
  readonly kind: "OptionalType";
  readonly inner: TypeExpr;
}

export interface RecordTypeExpr extends Span {
  readonly kind: "RecordType";
  readonly fields: readonly FieldDecl[];
}

export interface FieldDecl extends Span {
  readonly name: Identifier;
  readonly type?: TypeExpr;
  readonly defaultValue?: Expr;
  readonly doc?: string;
}

// ------------------------------------------------------------ expressions

export type Expr =
  | NumberLiteral
  | DurationLiteral
  | StringLiteral
  | BooleanLiteral
  | NullLiteral
  | NameExpr
  | FieldAccess
  | IndexAccess
  | CallExpr
  | UnaryExpr
  | BinaryExpr
  | ListLiteral
  | RecordLiteral
  | ParenExpr;

export interface NumberLiteral extends Span {
  readonly kind: "Number";
  readonly value: number;
}

export interface DurationLiteral extends Span {
  readonly kind: "Duration";
  /** Milliseconds. */
  readonly ms: number;
  readonly text: string;
}

/** A string: text parts and `${expr}` interpolations in order. */
export interface StringLiteral extends Span {
  readonly kind: "String";
  readonly parts: readonly (string | Expr)[];
}

export interface BooleanLiteral extends Span {
  readonly kind: "Boolean";
  readonly value: boolean;
}

export interface NullLiteral extends Span {
  readonly kind: "Null";
}

export interface NameExpr extends Span {
  readonly kind: "Name";
  readonly name: string;
}

export interface FieldAccess extends Span {
  readonly kind: "Field";
  readonly object: Expr;
  readonly field: Identifier;
}

export interface IndexAccess extends Span {
  readonly kind: "Index";
  readonly object: Expr;
  readonly index: Expr;
}

export interface Argument extends Span {
  readonly name?: Identifier;
  readonly value: Expr;
}

export interface CallExpr extends Span {
  readonly kind: "Call";
  readonly callee: Expr;
  readonly args: readonly Argument[];
  /** Span of the parentheses and what is between them. */
  readonly argsSpan: Span;
}

export type UnaryOperator = "-" | "not";
export type BinaryOperator = "or" | "and" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in" | "+" | "-" | "*" | "/" | "%";

export interface UnaryExpr extends Span {
  readonly kind: "Unary";
  readonly operator: UnaryOperator;
  readonly operand: Expr;
}

export interface BinaryExpr extends Span {
  readonly kind: "Binary";
  readonly operator: BinaryOperator;
  readonly left: Expr;
  readonly right: Expr;
  readonly operatorSpan: Span;
}

export interface ListLiteral extends Span {
  readonly kind: "List";
  readonly items: readonly Expr[];
}

export interface RecordLiteral extends Span {
  readonly kind: "Record";
  readonly fields: readonly RecordField[];
}

/** `key: value` in a record literal. */
export interface RecordField extends Span {
  readonly key: Identifier;
  readonly value: Expr;
}

/** Kept so the formatter can keep the parentheses a user wrote. */
export interface ParenExpr extends Span {
  readonly kind: "Paren";
  readonly inner: Expr;
}
