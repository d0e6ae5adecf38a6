// CST -> AST: turns Chevrotain's concrete syntax tree into the plain typed
// AST of ast.ts, with spans, doc comments attached, strings unescaped and
// their `${...}` interpolations parsed. Tolerates trees that error recovery cut short.

import type { CstNode, IToken } from "chevrotain";
import { aiwLexer, scanInterpolation } from "../grammar/tokens.ts";
import { describeToken, endOf, parseExpressionTokens } from "../grammar/parse.ts";
import type * as A from "./ast.ts";
import { diagnostic, type Diagnostic } from "./diagnostics.ts";
import type { Span } from "./source.ts";

type Children = Record<string, (CstNode | IToken)[] | undefined>;

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];
  private readonly docs: Map<number, string>;
  private readonly file: string;

  constructor(file: string, text: string, comments: readonly IToken[]) {
    this.file = file;
    this.docs = docCommentsByTarget(text, comments);
  }

  // ------------------------------------------------------------ helpers

  private span(start: number, end: number): Span {
    return { file: this.file, start, end: Math.max(start, end) };
  }

  private nodeSpan(node: CstNode): Span {
    const loc = node.location;
    if (loc && Number.isFinite(loc.startOffset)) {
      const end = Number.isFinite(loc.endOffset) ? (loc.endOffset as number) + 1 : loc.startOffset + 1;
      return this.span(loc.startOffset, end);
    }
    return this.span(0, 0);
  }

  private tokenSpan(tok: IToken, fallback: Span): Span {
    if (!real(tok)) return this.span(fallback.end, fallback.end);
    return this.span(tok.startOffset, endOf(tok));
  }

  private ident(tok: IToken | undefined, fallback: Span): A.Identifier {
    if (tok === undefined || !real(tok)) return { name: "", span: this.span(fallback.end, fallback.end) };
    return { name: tok.image, span: this.span(tok.startOffset, endOf(tok)) };
  }

  private doc(start: number): string | undefined {
    return this.docs.get(start);
  }

  // ------------------------------------------------------- declarations

  declaration(node: CstNode): A.Declaration | A.ImportDecl | undefined {
    const [name, child] = onlyChild(node);
    if (child === undefined) return undefined;
    switch (name) {
      case "importDecl":
        return this.importDecl(child);
      case "typeDecl":
        return this.typeDecl(child);
      case "modelDecl":
        return this.modelDecl(child);
      case "toolDecl":
        return this.toolDecl(child);
      case "agentDecl":
        return this.agentDecl(child);
      case "guardrailDecl":
        return this.guardrailDecl(child);
      case "flowDecl":
        return this.flowDecl(child);
      default:
        return undefined;
    }
  }

  private importDecl(node: CstNode): A.ImportDecl | undefined {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    const pathTok = tok(c, "path");
    if (pathTok === undefined || !real(pathTok)) return undefined;
    const lit = this.stringLiteral(pathTok);
    const path = lit.parts.filter((p): p is string => typeof p === "string").join("");
    const names = c["LBrace"] ? toks(c, "names").filter(real).map((t) => this.ident(t, span)) : undefined;
    return { kind: "Import", path, pathSpan: lit.span, ...(names ? { names } : {}), span };
  }

  private typeDecl(node: CstNode): A.TypeDecl {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    const name = this.ident(tok(c, "name"), span);
    const rec = sub(c, "recordType");
    const te = sub(c, "typeExpr");
    const type: A.TypeExpr = rec ? this.recordType(rec) : te ? this.typeExpr(te) : { kind: "NamedType", name: { name: "", span: name.span }, span: name.span };
    return { kind: "TypeDecl", name, type, ...docOf(this.doc(span.start)), span };
  }

  private recordType(node: CstNode): A.RecordTypeExpr {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    const fields = subs(c, "fieldDecl").map((f) => this.fieldDecl(f));
    return { kind: "RecordType", fields, span };
  }

  private fieldDecl(node: CstNode): A.FieldDecl {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    const te = sub(c, "typeExpr");
    const def = sub(c, "default");
    return {
      name: this.ident(tok(c, "name"), span),
      ...(te ? { type: this.typeExpr(te) } : {}),
      ...(def ? { defaultValue: this.expression(def) } : {}),
      ...docOf(this.doc(span.start)),
      span,
    };
  }

  typeExpr(node: CstNode): A.TypeExpr {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    const rec = sub(c, "recordType");
    let t: A.TypeExpr = rec
      ? this.recordType(rec)
      : (() => {
          const id = this.ident(tok(c, "name"), span);
          return { kind: "NamedType", name: id, span: id.span } as A.NamedTypeExpr;
        })();
    // Suffixes in source order: '[' ']' (list) and '?' (optional).
    const suffixes = [...toks(c, "list"), ...toks(c, "optional")].filter(real).sort((a, b) => a.startOffset - b.startOffset);
    for (const s of suffixes) {
      const end = s.image === "?" ? endOf(s) : endOf(s) + 1;
      const sp = this.span(t.span.start, end);
      t = s.image === "?" ? { kind: "OptionalType", inner: t, span: sp } : { kind: "ListType", element: t, span: sp };
    }
    return t;
  }

  private modelDecl(node: CstNode): A.ModelDecl {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    return {
      kind: "ModelDecl",
      name: this.ident(tok(c, "name"), span),
      properties: subs(c, "property").map((p) => this.property(p)),
      ports: subs(c, "portDecl").map((p) => this.portDecl(p)),
      ...docOf(this.doc(span.start)),
      span,
    };
  }

  private portDecl(node: CstNode): A.PortDecl {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    return {
      kind: "Port",
      direction: this.ident(tok(c, "direction"), span),
      name: this.ident(tok(c, "name"), span),
      dtype: this.ident(tok(c, "dtype"), span),
      dims: toks(c, "dims")
        .filter(real)
        .sort((a, b) => a.startOffset - b.startOffset)
        .map((t) => ({ text: t.image, span: this.span(t.startOffset, endOf(t)) })),
      span,
    };
  }

  private toolDecl(node: CstNode): A.ToolDecl {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    const ret = sub(c, "returns");
    const body = sub(c, "body");
    return {
      kind: "ToolDecl",
      name: this.ident(tok(c, "name"), span),
      params: this.paramList(sub(c, "paramList")),
      ...(ret ? { returns: this.typeExpr(ret) } : {}),
      properties: body ? this.body(body) : [],
      hasBody: body !== undefined,
      ...docOf(this.doc(span.start)),
      span,
    };
  }

  private paramList(node: CstNode | undefined): A.Param[] {
    if (node === undefined) return [];
    return subs(node.children as Children, "param").map((p) => {
      const c = p.children as Children;
      const span = this.nodeSpan(p);
      const te = sub(c, "typeExpr");
      const def = sub(c, "default");
      return {
        name: this.ident(tok(c, "name"), span),
        ...(te ? { type: this.typeExpr(te) } : {}),
        ...(def ? { defaultValue: this.expression(def) } : {}),
        ...docOf(this.doc(span.start)),
        span,
      };
    });
  }

  private body(node: CstNode): A.Property[] {
    const c = node.children as Children;
    const props = subs(c, "property").map((p) => this.property(p));
    const typed = subs(c, "outputProperty").map((p) => this.outputProperty(p));
    if (typed.length === 0) return props;
    return [...props, ...typed].sort((a, b) => a.span.start - b.span.start);
  }

  private outputProperty(node: CstNode): A.Property {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    const te = sub(c, "typeExpr");
    return { key: this.ident(tok(c, "key"), span), ...(te ? { typeValue: this.typeExpr(te) } : {}), span };
  }

  private property(node: CstNode): A.Property {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    const value = sub(c, "value");
    const message = sub(c, "message");
    return {
      key: this.ident(tok(c, "key"), span),
      ...(value ? { value: this.expression(value) } : {}),
      ...(message ? { message: this.expression(message) } : {}),
      span,
    };
  }

  private agentDecl(node: CstNode): A.AgentDecl {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    const body = sub(c, "body");
    return { kind: "AgentDecl", name: this.ident(tok(c, "name"), span), properties: body ? this.body(body) : [], ...docOf(this.doc(span.start)), span };
  }

  private guardrailDecl(node: CstNode): A.GuardrailDecl {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    const cond = sub(c, "condition");
    const msg = sub(c, "message");
    return {
      kind: "GuardrailDecl",
      name: this.ident(tok(c, "name"), span),
      params: this.paramList(sub(c, "paramList")),
      ...(cond ? { condition: this.expression(cond) } : {}),
      ...(msg ? { message: this.expression(msg) } : {}),
      ...docOf(this.doc(span.start)),
      span,
    };
  }

  private flowDecl(node: CstNode): A.FlowDecl {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    const ret = sub(c, "returns");
    const retStmt = sub(c, "returnStmt");
    const retExpr = retStmt ? sub(retStmt.children as Children, "expression") : undefined;
    return {
      kind: "FlowDecl",
      name: this.ident(tok(c, "name"), span),
      params: this.paramList(sub(c, "paramList")),
      ...(ret ? { returns: this.typeExpr(ret) } : {}),
      properties: subs(c, "property").map((p) => this.property(p)),
      tasks: subs(c, "taskDecl").map((t) => this.taskDecl(t, "TaskDecl")),
      templates: subs(c, "templateDecl").map((t) => this.taskDecl(t, "TemplateDecl")),
      ...(retExpr ? { returnValue: this.expression(retExpr) } : {}),
      ...(retStmt ? { returnSpan: this.nodeSpan(retStmt) } : {}),
      ...docOf(this.doc(span.start)),
      span,
    };
  }

  private taskDecl(node: CstNode, kind: "TaskDecl" | "TemplateDecl"): A.TaskDecl {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    const when = sub(c, "when");
    const variable = tok(c, "variable");
    const iterable = sub(c, "iterable");
    const body = sub(c, "body");
    return {
      kind,
      name: this.ident(tok(c, "name"), span),
      after: toks(c, "after").filter(real).map((t) => this.ident(t, span)),
      ...(when ? { when: this.expression(when) } : {}),
      ...(c["For"] ? { forEach: { variable: this.ident(variable, span), ...(iterable ? { iterable: this.expression(iterable) } : {}) } } : {}),
      properties: body ? this.body(body) : [],
      ...docOf(this.doc(span.start)),
      span,
    };
  }

  // -------------------------------------------------------- expressions

  expression(node: CstNode): A.Expr {
    return this.binaryChain(node, "andExpr", (n) => this.andExpr(n));
  }

  private andExpr(node: CstNode): A.Expr {
    return this.binaryChain(node, "notExpr", (n) => this.notExpr(n));
  }

  /** Left-associative chains: operands[0] op[0] operands[1] op[1] ... */
  private binaryChain(node: CstNode, _operandRule: string, operand: (n: CstNode) => A.Expr): A.Expr {
    const c = node.children as Children;
    const operands = subs(c, "operands");
    const ops = toks(c, "operators");
    if (operands.length === 0) return this.missing(this.nodeSpan(node));
    let left = operand(operands[0]!);
    for (let i = 1; i < operands.length; i++) {
      const opTok = ops[i - 1];
      const right = operand(operands[i]!);
      left = this.binary(opTok ? (opTok.image as A.BinaryOperator) : "+", left, right, opTok);
    }
    return left;
  }

  private binary(op: A.BinaryOperator, left: A.Expr, right: A.Expr, opTok: IToken | undefined, opEnd?: number): A.BinaryExpr {
    const opSpan = opTok && real(opTok) ? this.span(opTok.startOffset, opEnd ?? endOf(opTok)) : this.span(left.span.end, left.span.end);
    return { kind: "Binary", operator: op, left, right, operatorSpan: opSpan, span: this.span(left.span.start, right.span.end) };
  }

  private notExpr(node: CstNode): A.Expr {
    const c = node.children as Children;
    const operand = sub(c, "operand");
    if (operand) {
      const notTok = tok(c, "Not")!;
      const inner = this.notExpr(operand);
      return { kind: "Unary", operator: "not", operand: inner, span: this.span(real(notTok) ? notTok.startOffset : inner.span.start, inner.span.end) };
    }
    const cmp = sub(c, "comparison");
    return cmp ? this.comparison(cmp) : this.missing(this.nodeSpan(node));
  }

  private comparison(node: CstNode): A.Expr {
    const c = node.children as Children;
    const operands = subs(c, "operands");
    if (operands.length === 0) return this.missing(this.nodeSpan(node));
    const left = this.additive(operands[0]!);
    if (operands.length < 2) return left;
    const opTok = tok(c, "operator");
    const negated = tok(c, "negated");
    const right = this.additive(operands[1]!);
    if (negated && opTok && real(negated)) {
      const b = this.binary("not in", left, right, negated, endOf(opTok));
      return b;
    }
    return this.binary((opTok?.image ?? "==") as A.BinaryOperator, left, right, opTok);
  }

  private additive(node: CstNode): A.Expr {
    return this.binaryChain(node, "multiplicative", (n) => this.multiplicative(n));
  }

  private multiplicative(node: CstNode): A.Expr {
    return this.binaryChain(node, "unary", (n) => this.unary(n));
  }

  private unary(node: CstNode): A.Expr {
    const c = node.children as Children;
    const operand = sub(c, "operand");
    if (operand) {
      const minus = tok(c, "Minus")!;
      const inner = this.unary(operand);
      return { kind: "Unary", operator: "-", operand: inner, span: this.span(real(minus) ? minus.startOffset : inner.span.start, inner.span.end) };
    }
    const pf = sub(c, "postfix");
    return pf ? this.postfix(pf) : this.missing(this.nodeSpan(node));
  }

  private postfix(node: CstNode): A.Expr {
    const c = node.children as Children;
    const prim = sub(c, "primary");
    let e = prim ? this.primary(prim) : this.missing(this.nodeSpan(node));
    const suffixes = (c["suffixes"] ?? []).slice().sort((a, b) => startOf(a) - startOf(b));
    const fields = toks(c, "fields");
    const indexes = subs(c, "indexes");
    let fi = 0;
    let ii = 0;
    for (const s of suffixes) {
      if (isToken(s)) {
        if (s.image === ".") {
          const f = fields[fi++];
          const field = f && real(f) ? this.ident(f, e.span) : { name: "", span: this.span(endOf(s), endOf(s)) };
          e = { kind: "Field", object: e, field, span: this.span(e.span.start, Math.max(endOf(s), field.span.end)) };
        } else {
          const idx = indexes[ii++];
          const index = idx ? this.expression(idx) : this.missing(this.span(endOf(s), endOf(s)));
          const close = lastTokenEnd(node, index.span.end);
          e = { kind: "Index", object: e, index, span: this.span(e.span.start, close) };
        }
      } else {
        const argsSpan = this.nodeSpan(s);
        const args = subs(s.children as Children, "arg").map((a) => this.arg(a));
        e = { kind: "Call", callee: e, args, argsSpan, span: this.span(e.span.start, argsSpan.end) };
      }
    }
    return e;
  }

  private arg(node: CstNode): A.Argument {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    const nameTok = tok(c, "name");
    const v = sub(c, "value");
    return {
      ...(nameTok && real(nameTok) ? { name: this.ident(nameTok, span) } : {}),
      value: v ? this.expression(v) : this.missing(this.span(span.end, span.end)),
      span,
    };
  }

  private primary(node: CstNode): A.Expr {
    const c = node.children as Children;
    const span = this.nodeSpan(node);
    const lit = tok(c, "literal");
    if (lit) return this.literal(lit, span);
    const name = tok(c, "name");
    if (name) return real(name) ? { kind: "Name", name: name.image, span: this.tokenSpan(name, span) } : this.missing(span);
    const inner = sub(c, "inner");
    if (inner) return { kind: "Paren", inner: this.expression(inner), span };
    const list = sub(c, "listLiteral");
    if (list) return { kind: "List", items: subs(list.children as Children, "items").map((i) => this.expression(i)), span: this.nodeSpan(list) };
    const rec = sub(c, "recordLiteral");
    if (rec) {
      const rc = rec.children as Children;
      const keys = toks(rc, "keys");
      const values = subs(rc, "values");
      const fields = [];
      for (let i = 0; i < keys.length && i < values.length; i++) {
        const key = this.ident(keys[i], span);
        const value = this.expression(values[i]!);
        fields.push({ key, value, span: this.span(key.span.start, value.span.end) });
      }
      return { kind: "Record", fields, span: this.nodeSpan(rec) };
    }
    return this.missing(span);
  }

  private literal(t: IToken, fallback: Span): A.Expr {
    const span = this.tokenSpan(t, fallback);
    switch (t.tokenType.name) {
      case "Number":
        return { kind: "Number", value: Number(t.image), span };
      case "Duration": {
        const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(t.image);
        const ms = m ? Number(m[1]) * DURATION_UNITS[m[2]!]! : 0;
        return { kind: "Duration", ms, text: t.image, span };
      }
      case "True":
        return { kind: "Boolean", value: true, span };
      case "False":
        return { kind: "Boolean", value: false, span };
      case "Null":
        return { kind: "Null", span };
      default:
        return real(t) ? this.stringLiteral(t) : { kind: "String", parts: [], span };
    }
  }

  /** An expression that recovery could not find: an empty name, checked as unknown. */
  private missing(span: Span): A.NameExpr {
    return { kind: "Name", name: "", span: this.span(span.start, span.start) };
  }

  // ------------------------------------------------------------ strings

  stringLiteral(t: IToken): A.StringLiteral {
    const image = t.image;
    const base = t.startOffset;
    const closed = image.length >= 2 && image.endsWith('"') && t.tokenType.name === "String";
    const end = closed ? image.length - 1 : image.length;
    const parts: (string | A.Expr)[] = [];
    let text = "";
    let i = 1;
    while (i < end) {
      const ch = image.charCodeAt(i);
      if (ch === 92 /* \ */) {
        const r = this.escape(image, i, base);
        text += r.text;
        i = r.next;
        continue;
      }
      if (ch === 36 /* $ */ && image.charCodeAt(i + 1) === 123 /* { */) {
        const close = scanInterpolation(image, i + 2);
        if (close < 0 || close >= end + (closed ? 0 : 1)) {
          this.diagnostics.push(
            diagnostic("AIW0005", {
              message: "this interpolation is never closed",
              span: this.span(base + i, base + end),
              label: "'${' opens an interpolation that has no '}'",
              help: "close it with '}', or write '\\$' for a literal dollar sign",
            }),
          );
          text += image.slice(i, end);
          break;
        }
        if (text !== "") parts.push(text);
        text = "";
        parts.push(this.interpolation(image.slice(i + 2, close), base + i + 2, base + i, base + close + 1));
        i = close + 1;
        continue;
      }
      text += image[i];
      i++;
    }
    if (text !== "" || parts.length === 0) parts.push(text);
    return { kind: "String", parts, span: this.span(base, base + image.length) };
  }

  private escape(image: string, i: number, base: number): { text: string; next: number } {
    const c = image[i + 1];
    switch (c) {
      case '"':
        return { text: '"', next: i + 2 };
      case "\\":
        return { text: "\\", next: i + 2 };
      case "n":
        return { text: "\n", next: i + 2 };
      case "r":
        return { text: "\r", next: i + 2 };
      case "t":
        return { text: "\t", next: i + 2 };
      case "$":
        return { text: "$", next: i + 2 };
      case "u": {
        const m = /^\{([0-9A-Fa-f]{1,6})\}/.exec(image.slice(i + 2, i + 10));
        if (m) {
          const cp = parseInt(m[1]!, 16);
          if (cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) return { text: String.fromCodePoint(cp), next: i + 2 + m[0].length };
          this.diagnostics.push(
            diagnostic("AIW0004", {
              message: `'\\u{${m[1]}}' is not a Unicode scalar value`,
              span: this.span(base + i, base + i + 2 + m[0].length),
              label: "not a valid character",
              help: "use a code point from 0 to 10FFFF, outside the surrogates D800 to DFFF",
            }),
          );
          return { text: "", next: i + 2 + m[0].length };
        }
        break;
      }
    }
    const shown = c === undefined ? "\\" : `\\${c}`;
    this.diagnostics.push(
      diagnostic("AIW0004", {
        message: `'${shown}' is not a valid escape`,
        span: this.span(base + i, base + i + (c === undefined ? 1 : 1 + c.length)),
        label: "unknown escape",
        help: "valid escapes are \\\" \\\\ \\n \\r \\t \\$ and \\u{XXXX}; write '\\\\' for a backslash",
      }),
    );
    return { text: c ?? "", next: i + (c === undefined ? 1 : 1 + c.length) };
  }

  private interpolation(source: string, offset: number, openStart: number, closeEnd: number): A.Expr {
    const whole = this.span(openStart, closeEnd);
    if (source.trim() === "") {
      this.diagnostics.push(
        diagnostic("AIW0005", { message: "this interpolation is empty", span: whole, label: "nothing between '${' and '}'", help: "put an expression inside, e.g. ${document}" }),
      );
      return this.missing(whole);
    }
    const lexed = aiwLexer.tokenize(source);
    const tokens = lexed.tokens.map((t) => ({ ...t, startOffset: t.startOffset + offset, endOffset: t.startOffset + offset + t.image.length - 1 }));
    if (lexed.errors.length > 0) {
      const e = lexed.errors[0]!;
      this.diagnostics.push(
        diagnostic("AIW0005", { message: "this interpolation holds a character that is not part of the language", span: this.span(offset + e.offset, offset + e.offset + e.length), label: "here" }),
      );
      return this.missing(whole);
    }
    const r = parseExpressionTokens(tokens);
    if (r.cst === undefined || r.errors.length > 0 || r.rest > 0) {
      const bad = r.errors[0]?.token;
      const at = bad && real(bad) ? this.span(bad.startOffset, endOf(bad)) : whole;
      const found = bad && real(bad) ? `, found ${describeToken(bad)}` : r.rest > 0 ? `, found ${describeToken(tokens[tokens.length - r.rest]!)}` : "";
      this.diagnostics.push(
        diagnostic("AIW0005", { message: `this interpolation is not a valid expression${found}`, span: r.rest > 0 && !bad ? this.span(tokens[tokens.length - r.rest]!.startOffset, closeEnd - 1) : at, label: "expected an expression", help: "write '\\$' for a literal dollar sign" }),
      );
      return this.missing(whole);
    }
    return this.expression(r.cst);
  }
}

// ------------------------------------------------------------------ CST access

function real(t: IToken): boolean {
  return !t.isInsertedInRecovery && Number.isFinite(t.startOffset) && t.tokenType.name !== "EOF";
}

function isToken(x: CstNode | IToken): x is IToken {
  return (x as IToken).tokenType !== undefined;
}

function startOf(x: CstNode | IToken): number {
  if (isToken(x)) return Number.isFinite(x.startOffset) ? x.startOffset : Number.MAX_SAFE_INTEGER;
  const s = x.location?.startOffset;
  return s !== undefined && Number.isFinite(s) ? s : Number.MAX_SAFE_INTEGER;
}

function tok(c: Children, key: string): IToken | undefined {
  const v = c[key]?.[0];
  return v !== undefined && isToken(v) ? v : undefined;
}

function toks(c: Children, key: string): IToken[] {
  return (c[key] ?? []).filter(isToken);
}

function sub(c: Children, key: string): CstNode | undefined {
  const v = c[key]?.[0];
  return v !== undefined && !isToken(v) ? v : undefined;
}

function subs(c: Children, key: string): CstNode[] {
  return (c[key] ?? []).filter((x): x is CstNode => !isToken(x));
}

function onlyChild(node: CstNode): [string, CstNode | undefined] {
  for (const [k, v] of Object.entries(node.children)) {
    const first = v?.[0];
    if (first !== undefined && !isToken(first)) return [k, first];
  }
  return ["", undefined];
}

function lastTokenEnd(node: CstNode, fallback: number): number {
  const brackets = toks(node.children as Children, "RBracket").filter(real);
  for (const b of brackets) if (b.startOffset >= fallback) return endOf(b);
  return fallback;
}

function docOf(doc: string | undefined): { doc?: string } {
  return doc === undefined ? {} : { doc };
}

/**
 * Maps the offset of the first token after each run of `///` comments to the
 * run's text. A run belongs to the declaration that starts right after it.
 */
export function docCommentsByTarget(text: string, comments: readonly IToken[]): Map<number, string> {
  const out = new Map<number, string>();
  let lines: string[] = [];
  let lastEnd = -1;
  for (const c of comments) {
    if (c.tokenType.name !== "DocComment") {
      lines = [];
      continue;
    }
    if (lines.length > 0 && !onlyWhitespace(text, lastEnd, c.startOffset)) lines = [];
    const body = c.image.slice(3);
    lines.push(body.startsWith(" ") ? body.slice(1) : body);
    lastEnd = endOf(c);
    let next = lastEnd;
    while (next < text.length && isSpace(text.charCodeAt(next))) next++;
    out.set(next, lines.join("\n"));
  }
  return out;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xfeff;
}

function onlyWhitespace(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}
