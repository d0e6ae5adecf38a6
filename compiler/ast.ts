// The abstract syntax tree of one `.aiw` file: plain typed values with source
// spans, built from Chevrotain's CST by build-ast.ts. Parts that error
// recovery could not find are left out (optional fields) or have an empty name.

import type { Span } from "./source.ts";

export interface Identifier {
  readonly name: string;
  readonly span: Span;
}

export interface Comment {
  readonly kind: "line" | "doc" | "block";
  readonly text: string;
  readonly span: Span;
}

export interface FileAst {
  readonly path: string;
  readonly imports: readonly ImportDecl[];
  readonly declarations: readonly Declaration[];
  readonly comments: readonly Comment[];
  readonly span: Span;
}

export interface ImportDecl {
  readonly kind: "Import";
  /** The path exactly as written (after unescaping), relative to the importing file. */
  readonly path: string;
  readonly pathSpan: Span;
  /** Selected names (`import { a } from "..."`), or undefined for every name. */
  readonly names?: readonly Identifier[];
  readonly span: Span;
}

export type Declaration = TypeDecl | ModelDecl | ToolDecl | AgentDecl | GuardrailDecl | FlowDecl;
export type DeclarationKind = Declaration["kind"];

interface DeclBase {
  readonly name: Identifier;
  /** Text of the `///` comments right above the declaration, without the slashes. */
  readonly doc?: string;
  readonly span: Span;
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

/** `input features: f32[?, 512]` inside a model. */
export interface PortDecl {
  readonly kind: "Port";
  readonly direction: Identifier;
  readonly name: Identifier;
  readonly dtype: Identifier;
  /** A number, or a name (a symbolic dimension), or "?" for any size. */
  readonly dims: readonly { readonly text: string; readonly span: Span }[];
  readonly span: Span;
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

export interface Param {
  readonly name: Identifier;
  readonly type?: TypeExpr;
  readonly defaultValue?: Expr;
  readonly doc?: string;
  readonly span: Span;
}

/** `key: value`, `key: value else message` (guards) or `output: Type`. */
export interface Property {
  readonly key: Identifier;
  readonly value?: Expr;
  readonly message?: Expr;
  /** Set for `output: Type` only. */
  readonly typeValue?: TypeExpr;
  readonly span: Span;
}

// ------------------------------------------------------------------ types

export type TypeExpr = NamedTypeExpr | ListTypeExpr | OptionalTypeExpr | RecordTypeExpr;

export interface NamedTypeExpr {
  readonly kind: "NamedType";
  readonly name: Identifier;
  readonly span: Span;
}

export interface ListTypeExpr {
  readonly kind: "ListType";
  readonly element: TypeExpr;
  readonly span: Span;
}

export interface OptionalTypeExpr {
  readonly kind: "OptionalType";
  readonly inner: TypeExpr;
  readonly span: Span;
}

export interface RecordTypeExpr {
  readonly kind: "RecordType";
  readonly fields: readonly FieldDecl[];
  readonly span: Span;
}

export interface FieldDecl {
  readonly name: Identifier;
  readonly type?: TypeExpr;
  readonly defaultValue?: Expr;
  readonly doc?: string;
  readonly span: Span;
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

export interface NumberLiteral {
  readonly kind: "Number";
  readonly value: number;
  readonly span: Span;
}

export interface DurationLiteral {
  readonly kind: "Duration";
  /** Milliseconds. */
  readonly ms: number;
  readonly text: string;
  readonly span: Span;
}

/** A string: text parts and `${expr}` interpolations in order. */
export interface StringLiteral {
  readonly kind: "String";
  readonly parts: readonly (string | Expr)[];
  readonly span: Span;
}

export interface BooleanLiteral {
  readonly kind: "Boolean";
  readonly value: boolean;
  readonly span: Span;
}

export interface NullLiteral {
  readonly kind: "Null";
  readonly span: Span;
}

export interface NameExpr {
  readonly kind: "Name";
  readonly name: string;
  readonly span: Span;
}

export interface FieldAccess {
  readonly kind: "Field";
  readonly object: Expr;
  readonly field: Identifier;
  readonly span: Span;
}

export interface IndexAccess {
  readonly kind: "Index";
  readonly object: Expr;
  readonly index: Expr;
  readonly span: Span;
}

export interface Argument {
  readonly name?: Identifier;
  readonly value: Expr;
  readonly span: Span;
}

export interface CallExpr {
  readonly kind: "Call";
  readonly callee: Expr;
  readonly args: readonly Argument[];
  /** Span of the parentheses and what is between them. */
  readonly argsSpan: Span;
  readonly span: Span;
}

export type UnaryOperator = "-" | "not";
export type BinaryOperator = "or" | "and" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in" | "+" | "-" | "*" | "/" | "%";

export interface UnaryExpr {
  readonly kind: "Unary";
  readonly operator: UnaryOperator;
  readonly operand: Expr;
  readonly span: Span;
}

export interface BinaryExpr {
  readonly kind: "Binary";
  readonly operator: BinaryOperator;
  readonly left: Expr;
  readonly right: Expr;
  readonly operatorSpan: Span;
  readonly span: Span;
}

export interface ListLiteral {
  readonly kind: "List";
  readonly items: readonly Expr[];
  readonly span: Span;
}

export interface RecordLiteral {
  readonly kind: "Record";
  readonly fields: readonly { readonly key: Identifier; readonly value: Expr; readonly span: Span }[];
  readonly span: Span;
}

/** Kept so the formatter can keep the parentheses a user wrote. */
export interface ParenExpr {
  readonly kind: "Paren";
  readonly inner: Expr;
  readonly span: Span;
}
