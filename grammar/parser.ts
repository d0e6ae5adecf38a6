// The `.aiw` parser: a Chevrotain parser with error recovery on, whose
// embedded actions build the AST (compiler/ast.ts) directly. One instance is
// reused for every parse. Nodes are created when their rule starts and put
// in their parent at once, so a rule cut short by error recovery still
// leaves what it had parsed in the tree (what editor completion works from).
//
// Why no CST: building Chevrotain's CST and then walking it into the AST cost
// five times the recognition itself on a 100,000-line file (docs/architecture.md).

import { EmbeddedActionsParser, EOF, tokenMatcher, type IOrAlt, type IParserErrorMessageProvider, type IToken, type OrMethodOpts, type TokenType } from "chevrotain";
import type * as A from "../compiler/ast.ts";
import type { Span } from "../compiler/source.ts";
import type { DocComments } from "./parse.ts";
import { flatSlice } from "./flat-slice.ts";
import * as T from "./tokens.ts";

type Mutable<X> = { -readonly [K in keyof X]: X[K] };

/** Human names of grammar rules, used in syntax errors ("... in a task declaration"). */
export const ruleDescriptions: Readonly<Record<string, string>> = {
  declaration: "a declaration",
  importDecl: "an import",
  typeDecl: "a type declaration",
  fieldDecl: "a field of a record type",
  typeExpr: "a type",
  recordType: "a record type",
  modelDecl: "a model declaration",
  portDecl: "a model input or output",
  toolDecl: "a tool declaration",
  paramList: "a parameter list",
  param: "a parameter",
  agentDecl: "an agent declaration",
  guardrailDecl: "a guardrail declaration",
  flowDecl: "a flow declaration",
  taskDecl: "a task declaration",
  templateDecl: "a task template",
  taskHeader: "a task header",
  returnStmt: "the flow's return",
  property: "a property",
  body: "a block",
  expression: "an expression",
  args: "the arguments of a call",
  listLiteral: "a list",
  recordLiteral: "a record",
};

const expressionRules = new Set(["expression", "operand", "primary", "arg"]);

/** What may come before the closing bracket of a block, by rule. */
const blockContents: Readonly<Record<string, string>> = {
  flowDecl: "a task, a template, 'return', a property or '}'",
  body: "a property (name: value) or '}'",
  modelDecl: "a property, an input, an output or '}'",
  recordType: "a field (name: type) or '}'",
  recordLiteral: "a field (name: value) or '}'",
  listLiteral: "an item or ']'",
  args: "an argument or ')'",
  paramList: "a parameter (name: type) or ')'",
};

function tokenLabel(t: TokenType): string {
  return t.LABEL ?? t.name;
}

function joinOr(items: readonly string[]): string {
  const unique = [...new Set(items)];
  if (unique.length <= 1) return unique[0] ?? "something else";
  return `${unique.slice(0, -1).join(", ")} or ${unique[unique.length - 1]}`;
}

/**
 * Messages are just what was expected ("'{'", "an expression"); grammar/parse.ts
 * adds where and what was found, in the project's own words.
 */
export const expectedMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, ruleName }) {
    if (expected === T.RBrace || expected === T.RBracket || expected === T.RParen) {
      const inside = blockContents[ruleName];
      if (inside !== undefined) return inside;
    }
    return tokenLabel(expected);
  },
  buildNotAllInputParsedMessage() {
    return "the end of the declaration";
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, ruleName }) {
    if (expressionRules.has(ruleName)) return "an expression";
    if (ruleName === "declaration") return "a declaration";
    return joinOr(expectedPathsPerAlt.flatMap((alt) => alt.map((path) => (path[0] ? tokenLabel(path[0]) : ""))).filter((x) => x !== ""));
  },
  buildEarlyExitMessage({ expectedIterationPaths, ruleName }) {
    if (expressionRules.has(ruleName)) return "an expression";
    return joinOr(expectedIterationPaths.map((path) => (path[0] ? tokenLabel(path[0]) : "")).filter((x) => x !== ""));
  },
};

/** A string literal waiting for its escapes and interpolations (see compiler/strings.ts). */
export interface PendingString {
  readonly node: Mutable<A.StringLiteral>;
  readonly token: IToken;
  /** Set for the path of an import, which takes the string's value. */
  readonly importNode?: Mutable<A.ImportDecl>;
}

/** An operand of a flat binary expression that has prefix operators (without any, the operand rule returns the expression itself). */
interface Operand {
  readonly kind: "Operand";
  readonly prefixes: readonly IToken[];
  readonly atom: A.Expr;
  /** Prefixes already applied (precedence climbing consumes `not` first). */
  used: number;
}

const NO_PREFIXES: readonly IToken[] = [];

const NO_DOCS: DocComments = { get: () => undefined };

/** An operator between two operands of a flat expression. */
interface BinaryOp {
  readonly op: A.BinaryOperator;
  readonly span: Span;
}

/** What elseMessage returns when recovery left the message out. */
const NO_MESSAGE: A.Expr = { kind: "Null", file: "", start: 0, end: 0 };

const PRECEDENCE: Readonly<Record<string, number>> = {
  or: 1,
  and: 2,
  "==": 4,
  "!=": 4,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  in: 4,
  "not in": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
  "%": 6,
};
/** `not` binds looser than comparisons: `not a == b` is `not (a == b)`. */
const NOT_OPERAND_PRECEDENCE = 4;

export class AiwParser extends EmbeddedActionsParser {
  private file = "";
  /** The file's text, while it is parsed (string values are sliced from it, not from the lexer's copy of a window). */
  private text = "";
  private docs: DocComments = NO_DOCS;
  /** String literals met since the last `begin`, in source order. */
  strings: PendingString[] = [];
  /** `key:` with nothing after it, reported by grammar/parse.ts. */
  missingValues: { key: string; at: number; found: IToken }[] = [];
  /** Other errors the actions find (offsets into the file). */
  customErrors: { start: number; end: number; message: string; label: string; help?: string }[] = [];
  /**
   * The declaration being parsed, set when it starts: when recovery gives up
   * on a declaration its rule returns nothing, but what it parsed is here.
   */
  current: A.Declaration | undefined;

  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, errorMessageProvider: expectedMessages });
    this.performSelfAnalysis();
  }

  /** Starts a new file: spans name `file`; `docs` maps offsets to doc comments. */
  begin(file: string, text: string, docs: DocComments): void {
    this.file = file;
    this.text = text;
    this.docs = docs;
    this.strings = [];
    this.missingValues = [];
    this.customErrors = [];
  }

  /**
   * Drops what the parser still holds of the last file (its tokens, its last
   * declaration, the state of the rules), except `strings`, so a finished
   * file's tokens and tree are not kept alive until the next parse.
   */
  release(): void {
    this.input = [];
    this.text = "";
    this.current = undefined;
    this.docs = NO_DOCS;
    this.missingValues = [];
    this.customErrors = [];
    this.flowArgs = undefined;
    this.headerNode = undefined;
    this.bodyArgs = { ARGS: [undefined] };
    this.propertyKey = undefined;
    this.propertyColon = undefined;
    this.propertyResult = undefined;
    this.exprFirst = undefined;
    this.exprOp = undefined;
    this.exprSecond = undefined;
    this.exprOperands = undefined;
    this.exprOperators = undefined;
    this.pendingPrefixes = undefined;
    this.operandExpr = undefined;
    this.argsArgs = { ARGS: [undefined] };
  }

  private newTask(kind: "TaskDecl" | "TemplateDecl", kw: IToken, name: IToken, into: A.TaskDecl[] | undefined): Mutable<A.TaskDecl> {
    const id = this.ident(name);
    const t: Mutable<A.TaskDecl> = { kind, name: id, doc: this.docs.get(kw.startOffset), after: [], when: undefined, forEach: undefined, properties: [], file: this.file, start: kw.startOffset, end: atLeast(kw.startOffset, id.end) };
    into?.push(t);
    return t;
  }

  private startsFlowMember(): boolean {
    const a = this.LA(1).tokenType;
    const b = this.LA(2).tokenType;
    if (a === T.Task || a === T.Template) return b === T.Identifier;
    return a === T.Return && b !== T.Colon;
  }

  /** After `key:`, the block ends or the next `name:` starts: the value is missing. */
  private valueIsMissing(): boolean {
    const next = this.LA(1).tokenType;
    if (next === T.RBrace || next === EOF || next === T.Comma) return true;
    return tokenMatcher(this.LA(1), T.Name) && this.LA(2).tokenType === T.Colon;
  }

  // ---------------------------------------------------------------- helpers

  // Nodes carry their own location (compiler/ast.ts): each literal below ends
  // with `file, start, end`. Span objects are made only for the few spans that
  // are not a node's own (an import's path, an operator, a call's arguments).

  private span(start: number, end: number): Span {
    return { file: this.file, start, end: atLeast(start, end) };
  }

  private tokSpan(t: IToken): Span {
    return { file: this.file, start: this.tokStart(t), end: this.tokEnd(t) };
  }

  /** Where a node made of token `t` starts: the token, or (inserted by recovery) the end of the last real token. */
  private tokStart(t: IToken): number {
    return real(t) ? t.startOffset : this.lastEnd();
  }

  /** Where it ends. */
  private tokEnd(t: IToken): number {
    return real(t) ? t.startOffset + t.image.length : this.lastEnd();
  }

  /** An expression that recovery left out, at the end of the last real token. */
  private missingHere(): A.NameExpr {
    const at = this.lastEnd();
    return { kind: "Name", name: "", file: this.file, start: at, end: at };
  }

  /** End offset of the last real token consumed. */
  private lastEnd(): number {
    const prev = this.LA(0);
    return prev !== undefined && real(prev) ? prev.startOffset + prev.image.length : 0;
  }

  private ident(t: IToken): A.Identifier {
    if (real(t)) return { name: t.image, file: this.file, start: t.startOffset, end: t.startOffset + t.image.length };
    const at = this.lastEnd();
    return { name: "", file: this.file, start: at, end: at };
  }

  /** An identifier that recovery left out, at `at`. */
  private noName(at: number): A.Identifier {
    return { name: "", file: this.file, start: at, end: at };
  }

  /** Extends a node to the last token consumed. */
  private close<N extends Span>(node: N): N {
    const end = this.lastEnd();
    if (end > node.start) (node as { end: number }).end = end;
    return node;
  }

  /** Ends a task: its lists are made exact (a long flow keeps thousands of them), then it is extended to its last token. */
  private closeTask(node: Mutable<A.TaskDecl>): void {
    node.after = exactList(node.after);
    node.properties = exactList(node.properties);
    this.close(node);
  }

  private top<N extends A.Declaration>(node: N): N {
    this.current = node;
    return node;
  }


  // ------------------------------------------------------------ declarations
  //
  // Performance (docs/architecture.md): actions are `if (!this.RECORDING_PHASE)`
  // blocks instead of `this.ACTION(() => ...)` closures, and the hot rules
  // (flow members, properties, expressions) use alternatives and repetition
  // bodies built once per parser, which pass their state through the fields
  // below instead of capturing it. Each of those bodies reads its field before
  // any SUBRULE (a nested rule may overwrite it) and writes it back after.

  /** The flow whose members flowMemberAlts add to. Flows do not nest. */
  private flowArgs: { tasks: { ARGS: [A.TaskDecl[] | undefined] }; templates: { ARGS: [A.TaskDecl[] | undefined] }; flow: { ARGS: [Mutable<A.FlowDecl> | undefined] }; properties: { ARGS: [A.Property[] | undefined] } } | undefined;
  /** The task whose header is being parsed. Headers do not nest. */
  private headerNode: Mutable<A.TaskDecl> | undefined;
  /** The property list bodyMember adds to. Bodies do not nest. */
  private bodyArgs: { ARGS: [A.Property[] | undefined] } = { ARGS: [undefined] };
  /** The key and colon of the property whose value is being chosen (read by its gates). */
  private propertyKey: IToken | undefined;
  private propertyColon: IToken | undefined;
  /** The value parsed by the chosen alternative of propertyValue. */
  private propertyResult: A.Expr | A.TypeExpr | undefined;
  /**
   * The innermost expression being parsed: its first operand, its first
   * operator and second operand, and (from its second operator on) the lists
   * of all its operands and operators.
   */
  private exprFirst: A.Expr | Operand | undefined;
  private exprOp: BinaryOp | undefined;
  private exprSecond: A.Expr | Operand | undefined;
  private exprOperands: (A.Expr | Operand)[] | undefined;
  private exprOperators: BinaryOp[] | undefined;
  /** Prefix operators met by operandPrefix. */
  private pendingPrefixes: IToken[] | undefined;
  /** The operand so far, which the suffix alternatives wrap. */
  private operandExpr: A.Expr | undefined;
  /** Where argsMember puts each argument. */
  private argsArgs: { ARGS: [A.Argument[] | undefined] } = { ARGS: [undefined] };

  private readonly optionalComma = (): void => {
    this.CONSUME(T.Comma);
  };

  declaration = this.RULE("declaration", (): A.Declaration | A.ImportDecl | undefined => this.OR(this.declarationAlts));

  private readonly declarationAlts: IOrAlt<A.Declaration | A.ImportDecl>[] = [
    { ALT: () => this.SUBRULE(this.importDecl) },
    { ALT: () => this.SUBRULE(this.typeDecl) },
    { ALT: () => this.SUBRULE(this.modelDecl) },
    { ALT: () => this.SUBRULE(this.toolDecl) },
    { ALT: () => this.SUBRULE(this.agentDecl) },
    { ALT: () => this.SUBRULE(this.guardrailDecl) },
    { ALT: () => this.SUBRULE(this.flowDecl) },
  ];

  // import "./common.aiw"            every name the file declares
  // import { a, b } from "./x.aiw"   only these
  importDecl = this.RULE("importDecl", (): A.ImportDecl => {
    const kw = this.CONSUME(T.Import);
    const names: A.Identifier[] = [];
    let selective = false;
    this.OPTION(() => {
      this.CONSUME(T.LBrace);
      selective = true;
      this.MANY_SEP({
        SEP: T.Comma,
        DEF: () => {
          const n = this.CONSUME(T.Name);
          if (!this.RECORDING_PHASE) names.push(this.ident(n));
        },
      });
      this.CONSUME(T.RBrace);
      this.CONSUME(T.From);
    });
    const pathTok = this.CONSUME(T.StringLiteral);
    if (this.RECORDING_PHASE) return undefined as never;
    const pathSpan = this.tokSpan(pathTok);
    // The path is filled in with the string's value by compiler/strings.ts.
    const node: Mutable<A.ImportDecl> = { kind: "Import", path: "", pathSpan, names: selective ? names : undefined, file: this.file, start: kw.startOffset, end: atLeast(kw.startOffset, pathSpan.end) };
    if (real(pathTok)) this.strings.push({ node: { kind: "String", parts: [], file: this.file, start: pathSpan.start, end: pathSpan.end }, token: pathTok, importNode: node });
    return node;
  });

  // type Invoice { vendor: string  amount: number = 0 }   |   type Labels = string[]
  typeDecl = this.RULE("typeDecl", (): A.TypeDecl => {
    const kw = this.CONSUME(T.Type);
    const name = this.CONSUME(T.Identifier);
    const type = this.OR([
      { ALT: () => this.SUBRULE(this.recordType) },
      {
        ALT: () => {
          this.CONSUME(T.Equals);
          return this.SUBRULE(this.typeExpr);
        },
      },
    ]);
    if (this.RECORDING_PHASE) return undefined as never;
    const id = this.ident(name);
    const t: A.TypeExpr = type ?? { kind: "NamedType", name: this.noName(id.start), file: this.file, start: id.start, end: id.end };
    return this.close<A.TypeDecl>({ kind: "TypeDecl", name: id, doc: this.docs.get(kw.startOffset), type: t, file: this.file, start: kw.startOffset, end: atLeast(kw.startOffset, id.end) });
  });

  recordType = this.RULE("recordType", (): A.RecordTypeExpr => {
    const open = this.CONSUME(T.LBrace);
    const node: Mutable<A.RecordTypeExpr> | undefined = this.RECORDING_PHASE ? undefined : { kind: "RecordType", fields: [], file: this.file, start: this.tokStart(open), end: this.tokEnd(open) };
    this.MANY(() => this.SUBRULE(this.fieldDecl, { ARGS: [node?.fields as A.FieldDecl[]] }));
    this.CONSUME(T.RBrace);
    return this.RECORDING_PHASE ? (undefined as never) : this.close(node!);
  });

  fieldDecl = this.RULE("fieldDecl", (into?: A.FieldDecl[]): void => {
    const name = this.CONSUME(T.Name);
    let node: Mutable<A.FieldDecl> | undefined;
    if (!this.RECORDING_PHASE) {
      const id = this.ident(name);
      node = { name: id, doc: this.docs.get(name.startOffset), type: undefined, defaultValue: undefined, file: this.file, start: id.start, end: id.end };
      into?.push(node);
    }
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpr);
    if (!this.RECORDING_PHASE && type) node!.type = type;
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      const def = this.SUBRULE(this.expression);
      if (!this.RECORDING_PHASE && def) node!.defaultValue = def;
    });
    this.OPTION1(this.optionalComma);
    if (!this.RECORDING_PHASE) this.close(node!);
  });

  // string | Invoice | string[] | number? | { a: string }
  typeExpr = this.RULE("typeExpr", (): A.TypeExpr => {
    let t: A.TypeExpr = this.OR([
      {
        ALT: () => {
          const name = this.CONSUME(T.Identifier);
          if (this.RECORDING_PHASE) return undefined as never;
          const id = this.ident(name);
          return { kind: "NamedType", name: id, file: this.file, start: id.start, end: id.end } as A.NamedTypeExpr;
        },
      },
      { ALT: () => this.SUBRULE(this.recordType) },
    ]);
    if (!this.RECORDING_PHASE && t === undefined) {
      const at = this.lastEnd();
      t = { kind: "NamedType", name: this.noName(at), file: this.file, start: at, end: at };
    }
    this.MANY(() => {
      this.OR1([
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            this.CONSUME(T.RBracket);
            if (!this.RECORDING_PHASE) t = { kind: "ListType", element: t, file: this.file, start: t.start, end: atLeast(t.start, this.lastEnd()) };
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Question);
            if (!this.RECORDING_PHASE) t = { kind: "OptionalType", inner: t, file: this.file, start: t.start, end: atLeast(t.start, this.lastEnd()) };
          },
        },
      ]);
    });
    return t;
  });

  modelDecl = this.RULE("modelDecl", (): A.ModelDecl => {
    const kw = this.CONSUME(T.Model);
    const name = this.CONSUME(T.Identifier);
    let node: Mutable<A.ModelDecl> | undefined;
    if (!this.RECORDING_PHASE) {
      const id = this.ident(name);
      node = this.top({ kind: "ModelDecl", name: id, doc: this.docs.get(kw.startOffset), properties: [], ports: [], file: this.file, start: kw.startOffset, end: atLeast(kw.startOffset, id.end) });
    }
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.portDecl, { ARGS: [node?.ports as A.PortDecl[]] }) },
        { ALT: () => this.SUBRULE(this.property, { ARGS: [node?.properties as A.Property[]] }) },
      ]);
    });
    this.CONSUME(T.RBrace);
    return this.RECORDING_PHASE ? (undefined as never) : this.close(node!);
  });

  // input features: f32[?, 512]
  portDecl = this.RULE("portDecl", (into?: A.PortDecl[]): void => {
    const direction = this.CONSUME(T.Name);
    const name = this.CONSUME1(T.Name);
    let node: Mutable<A.PortDecl> | undefined;
    if (!this.RECORDING_PHASE) {
      const d = this.ident(direction);
      node = { kind: "Port", direction: d, name: this.ident(name), dtype: this.noName(d.end), dims: [], file: this.file, start: d.start, end: d.end };
      into?.push(node);
    }
    this.CONSUME(T.Colon);
    const dtype = this.CONSUME(T.Identifier);
    if (!this.RECORDING_PHASE) node!.dtype = this.ident(dtype);
    this.CONSUME(T.LBracket);
    this.MANY_SEP({
      SEP: T.Comma,
      DEF: () => {
        const d = this.OR1([{ ALT: () => this.CONSUME(T.NumberToken) }, { ALT: () => this.CONSUME(T.Question) }, { ALT: () => this.CONSUME1(T.Identifier) }]);
        if (!this.RECORDING_PHASE && real(d)) (node!.dims as A.PortDim[]).push({ text: d.image, file: this.file, start: d.startOffset, end: d.startOffset + d.image.length });
      },
    });
    this.CONSUME(T.RBracket);
    if (!this.RECORDING_PHASE) this.close(node!);
  });

  // tool classify(text: string) -> { label: string } { model: m }
  toolDecl = this.RULE("toolDecl", (): A.ToolDecl => {
    const kw = this.CONSUME(T.Tool);
    const name = this.CONSUME(T.Identifier);
    let node: Mutable<A.ToolDecl> | undefined;
    if (!this.RECORDING_PHASE) {
      const id = this.ident(name);
      node = this.top({ kind: "ToolDecl", name: id, doc: this.docs.get(kw.startOffset), params: [], returns: undefined, properties: [], hasBody: false, file: this.file, start: kw.startOffset, end: atLeast(kw.startOffset, id.end) });
    }
    this.SUBRULE(this.paramList, { ARGS: [node?.params as A.Param[]] });
    this.OPTION(() => {
      this.CONSUME(T.Arrow);
      const ret = this.SUBRULE(this.typeExpr);
      if (!this.RECORDING_PHASE && ret) node!.returns = ret;
    });
    this.OPTION1(() => {
      if (!this.RECORDING_PHASE) node!.hasBody = true;
      this.SUBRULE(this.body, { ARGS: [node?.properties as A.Property[]] });
    });
    return this.RECORDING_PHASE ? (undefined as never) : this.close(node!);
  });

  paramList = this.RULE("paramList", (into?: A.Param[]): void => {
    this.CONSUME(T.LParen);
    this.MANY(() => {
      this.SUBRULE(this.param, { ARGS: [into] });
      this.OPTION(this.optionalComma);
    });
    this.CONSUME(T.RParen);
  });

  param = this.RULE("param", (into?: A.Param[]): void => {
    const name = this.CONSUME(T.Name);
    let node: Mutable<A.Param> | undefined;
    if (!this.RECORDING_PHASE) {
      const id = this.ident(name);
      node = { name: id, doc: this.docs.get(name.startOffset), type: undefined, defaultValue: undefined, file: this.file, start: id.start, end: id.end };
      into?.push(node);
    }
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpr);
    if (!this.RECORDING_PHASE && type) node!.type = type;
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      const def = this.SUBRULE(this.expression);
      if (!this.RECORDING_PHASE && def) node!.defaultValue = def;
    });
    if (!this.RECORDING_PHASE) this.close(node!);
  });

  /** `{ key: value ... }` for agents, tools and tasks. */
  body = this.RULE("body", (into?: A.Property[]): void => {
    this.CONSUME(T.LBrace);
    this.bodyArgs = { ARGS: [into] };
    // `task x` or `template x` where a property was expected means this
    // block's '}' is missing: end the block here so the next task still parses.
    this.MANY(this.bodyMembers);
    this.CONSUME(T.RBrace);
  });

  private readonly bodyMembers = { GATE: (): boolean => !this.startsFlowMember(), DEF: (): void => this.SUBRULE(this.property, this.bodyArgs) };

  // key: value [else message]      output: Type
  property = this.RULE("property", (into?: A.Property[]): void => {
    const key = this.CONSUME(T.Name);
    let node: Mutable<A.Property> | undefined;
    if (!this.RECORDING_PHASE) {
      const id = this.ident(key);
      node = { key: id, value: undefined, message: undefined, typeValue: undefined, file: this.file, start: id.start, end: id.end };
      into?.push(node);
    }
    const colon = this.CONSUME(T.Colon);
    this.propertyKey = key;
    this.propertyColon = colon;
    this.propertyResult = undefined;
    const chosen = this.OR(this.propertyValue);
    if (!this.RECORDING_PHASE) {
      const result = this.propertyResult;
      if (chosen === 1) {
        if (result) node!.typeValue = result as A.TypeExpr;
      } else if (chosen === 2) {
        if (result) node!.value = result as A.Expr;
      }
      this.close(node!);
    }
    const message = this.OPTION(this.elseMessage);
    if (!this.RECORDING_PHASE && message !== undefined) {
      if (message !== NO_MESSAGE) node!.message = message;
      this.close(node!);
    }
    this.OPTION1(this.optionalComma);
  });

  /** Alternatives of a property's value: 1 a type, 2 an expression, 3 missing. */
  private readonly propertyValue: OrMethodOpts<number> = {
    // Decided by gates, not lookahead: `output:` takes a type, and a value
    // that is missing (the next property or the block's end follows) is one
    // clear error instead of a cascade.
    IGNORE_AMBIGUITIES: true,
    DEF: [
      {
        GATE: () => this.propertyKey!.tokenType === T.Output && !this.valueIsMissing(),
        ALT: () => {
          const type = this.SUBRULE(this.typeExpr);
          this.propertyResult = type;
          return 1;
        },
      },
      {
        GATE: () => !this.valueIsMissing(),
        ALT: () => {
          const value = this.SUBRULE(this.expression);
          this.propertyResult = value;
          return 2;
        },
      },
      {
        ALT: () => {
          if (!this.RECORDING_PHASE) {
            const colon = this.propertyColon!;
            if (real(colon)) this.missingValues.push({ key: this.propertyKey!.image, at: colon.startOffset + 1, found: this.LA(1) });
          }
          return 3;
        },
      },
    ],
  };

  /** `else message`: the message, or NO_MESSAGE when recovery left it out. */
  private readonly elseMessage = (): A.Expr => {
    this.CONSUME(T.Else);
    return this.SUBRULE1(this.expression) ?? NO_MESSAGE;
  };

  agentDecl = this.RULE("agentDecl", (): A.AgentDecl => {
    const kw = this.CONSUME(T.Agent);
    const name = this.CONSUME(T.Identifier);
    let node: Mutable<A.AgentDecl> | undefined;
    if (!this.RECORDING_PHASE) {
      const id = this.ident(name);
      node = this.top({ kind: "AgentDecl", name: id, doc: this.docs.get(kw.startOffset), properties: [], file: this.file, start: kw.startOffset, end: atLeast(kw.startOffset, id.end) });
    }
    this.SUBRULE(this.body, { ARGS: [node?.properties as A.Property[]] });
    return this.RECORDING_PHASE ? (undefined as never) : this.close(node!);
  });

  // guardrail positive(inv: Invoice) = inv.amount > 0 else "amount must be positive"
  guardrailDecl = this.RULE("guardrailDecl", (): A.GuardrailDecl => {
    const kw = this.CONSUME(T.Guardrail);
    const name = this.CONSUME(T.Identifier);
    let node: Mutable<A.GuardrailDecl> | undefined;
    if (!this.RECORDING_PHASE) {
      const id = this.ident(name);
      node = this.top({ kind: "GuardrailDecl", name: id, doc: this.docs.get(kw.startOffset), params: [], condition: undefined, message: undefined, file: this.file, start: kw.startOffset, end: atLeast(kw.startOffset, id.end) });
    }
    this.SUBRULE(this.paramList, { ARGS: [node?.params as A.Param[]] });
    this.CONSUME(T.Equals);
    const condition = this.SUBRULE(this.expression);
    if (!this.RECORDING_PHASE && condition) node!.condition = condition;
    this.CONSUME(T.Else);
    const message = this.SUBRULE1(this.expression);
    if (this.RECORDING_PHASE) return undefined as never;
    if (message) node!.message = message;
    return this.close(node!);
  });

  flowDecl = this.RULE("flowDecl", (): A.FlowDecl => {
    const node = this.flowHeader();
    this.MANY(this.flowMember);
    this.CONSUME(T.RBrace);
    return this.RECORDING_PHASE ? (undefined as never) : this.close(node!);
  });

  // A long flow in pieces (grammar/parse.ts): flowStart is the flow up to its
  // first task or template, flowMembers a run of members, flowEnd the last
  // members and the closing brace. Parsed in turn, they build the node
  // flowDecl would; grammar/parse.ts parses the flow whole when a piece has errors.

  flowStart = this.RULE("flowStart", (): A.FlowDecl => {
    const node = this.flowHeader();
    this.MANY(this.flowMember);
    return this.RECORDING_PHASE ? (undefined as never) : node!;
  });

  flowMembers = this.RULE("flowMembers", (flow?: Mutable<A.FlowDecl>): void => {
    this.flowArgs = this.membersOf(flow);
    this.MANY(this.flowMember);
  });

  flowEnd = this.RULE("flowEnd", (flow?: Mutable<A.FlowDecl>): void => {
    this.flowArgs = this.membersOf(flow);
    this.MANY(this.flowMember);
    this.CONSUME(T.RBrace);
    if (!this.RECORDING_PHASE) this.close(flow!);
  });

  /** `flow NAME(params) [-> type] {`: the node, made current; flowMember then adds to it. */
  private flowHeader(): Mutable<A.FlowDecl> | undefined {
    const kw = this.CONSUME(T.Flow);
    const name = this.CONSUME(T.Identifier);
    let node: Mutable<A.FlowDecl> | undefined;
    if (!this.RECORDING_PHASE) {
      const id = this.ident(name);
      node = this.top({ kind: "FlowDecl", name: id, doc: this.docs.get(kw.startOffset), params: [], returns: undefined, properties: [], tasks: [], templates: [], returnValue: undefined, returnSpan: undefined, file: this.file, start: kw.startOffset, end: atLeast(kw.startOffset, id.end) });
    }
    this.SUBRULE(this.paramList, { ARGS: [node?.params as A.Param[]] });
    this.OPTION(() => {
      this.CONSUME(T.Arrow);
      const ret = this.SUBRULE(this.typeExpr);
      if (!this.RECORDING_PHASE && ret) node!.returns = ret;
    });
    this.CONSUME(T.LBrace);
    this.flowArgs = this.membersOf(node);
    return node;
  }

  private membersOf(flow: Mutable<A.FlowDecl> | undefined): NonNullable<AiwParser["flowArgs"]> {
    return {
      tasks: { ARGS: [flow?.tasks as A.TaskDecl[]] },
      templates: { ARGS: [flow?.templates as A.TaskDecl[]] },
      flow: { ARGS: [flow] },
      properties: { ARGS: [flow?.properties as A.Property[]] },
    };
  }

  private readonly flowMember = (): void => {
    this.OR(this.flowMemberAlts);
  };

  private readonly flowMemberAlts: IOrAlt<void>[] = [
    { ALT: () => this.SUBRULE(this.taskDecl, this.flowArgs!.tasks) },
    { ALT: () => this.SUBRULE(this.templateDecl, this.flowArgs!.templates) },
    { ALT: () => this.SUBRULE(this.returnStmt, this.flowArgs!.flow) },
    { ALT: () => this.SUBRULE(this.property, this.flowArgs!.properties) },
  ];

  // task NAME [after a, b] [when EXPR] [for x in EXPR] { ... }
  taskDecl = this.RULE("taskDecl", (into?: A.TaskDecl[]): void => {
    const kw = this.CONSUME(T.Task);
    const name = this.CONSUME(T.Identifier);
    const node = this.RECORDING_PHASE ? undefined : this.newTask("TaskDecl", kw, name, into);
    this.SUBRULE(this.taskHeader, { ARGS: [node] });
    this.SUBRULE(this.body, { ARGS: [node?.properties as A.Property[]] });
    if (!this.RECORDING_PHASE) this.closeTask(node!);
  });

  // template NAME { ... }: a task that only runs when another task injects it.
  // It takes the same header as a task, so the checker can say why it may not.
  templateDecl = this.RULE("templateDecl", (into?: A.TaskDecl[]): void => {
    const kw = this.CONSUME(T.Template);
    const name = this.CONSUME(T.Identifier);
    const node = this.RECORDING_PHASE ? undefined : this.newTask("TemplateDecl", kw, name, into);
    this.SUBRULE(this.taskHeader, { ARGS: [node] });
    this.SUBRULE(this.body, { ARGS: [node?.properties as A.Property[]] });
    if (!this.RECORDING_PHASE) this.closeTask(node!);
  });

  taskHeader = this.RULE("taskHeader", (node?: Mutable<A.TaskDecl>): void => {
    this.headerNode = node;
    this.OPTION(this.headerAfter);
    this.OPTION1(this.headerWhen);
    this.OPTION2(this.headerFor);
    if (!this.RECORDING_PHASE) this.close(node!);
  });

  private readonly headerAfter = (): void => {
    this.CONSUME(T.After);
    this.AT_LEAST_ONE_SEP(this.afterNames);
  };

  private readonly afterNames = {
    SEP: T.Comma,
    DEF: (): void => {
      const a = this.CONSUME1(T.Identifier);
      if (!this.RECORDING_PHASE && real(a)) (this.headerNode!.after as A.Identifier[]).push(this.ident(a));
    },
  };

  private readonly headerWhen = (): void => {
    const node = this.headerNode;
    this.CONSUME(T.When);
    const when = this.SUBRULE(this.expression);
    this.headerNode = node;
    if (!this.RECORDING_PHASE && when) node!.when = when;
  };

  private readonly headerFor = (): void => {
    const node = this.headerNode;
    this.CONSUME(T.For);
    const variable = this.CONSUME2(T.Identifier);
    let forEach: { variable: A.Identifier; iterable?: A.Expr } | undefined;
    if (!this.RECORDING_PHASE) {
      forEach = { variable: this.ident(variable), iterable: undefined };
      node!.forEach = forEach;
    }
    this.CONSUME(T.In);
    const iterable = this.SUBRULE1(this.expression);
    this.headerNode = node;
    if (!this.RECORDING_PHASE && iterable) forEach!.iterable = iterable;
  };

  returnStmt = this.RULE("returnStmt", (flow?: Mutable<A.FlowDecl>): void => {
    const kw = this.CONSUME(T.Return);
    if (!this.RECORDING_PHASE) {
      if (flow?.returnSpan !== undefined && real(kw)) {
        this.customErrors.push({ start: kw.startOffset, end: kw.startOffset + kw.image.length, message: "a flow has only one 'return'", label: "second 'return'", help: "return one value; a record can hold several: return { a: x, b: y }" });
      }
      if (flow) flow.returnSpan = this.tokSpan(kw);
    }
    const value = this.SUBRULE(this.expression);
    if (this.RECORDING_PHASE || flow === undefined) return;
    if (value) flow.returnValue = value;
    flow.returnSpan = this.span(kw.startOffset, this.lastEnd());
  });

  // ------------------------------------------------------------- expressions
  // Flat: operands separated by binary operators, folded by precedence in
  // foldBinary. Two rule calls per operand instead of one per precedence level.

  expression = this.RULE("expression", (): A.Expr => {
    const first = this.SUBRULE(this.operand);
    const outerFirst = this.exprFirst;
    const outerOp = this.exprOp;
    const outerSecond = this.exprSecond;
    const outerOperands = this.exprOperands;
    const outerOperators = this.exprOperators;
    // Recovery may leave an operand out: the fold then sees fewer operands.
    this.exprFirst = this.RECORDING_PHASE ? undefined : first;
    this.exprOp = undefined;
    this.exprSecond = undefined;
    this.exprOperands = undefined;
    this.exprOperators = undefined;
    this.MANY(this.expressionTail);
    // (The tail set these fields: TypeScript does not see that through the MANY call.)
    const firstOperand = this.exprFirst as A.Expr | Operand | undefined;
    const op = this.exprOp as BinaryOp | undefined;
    const second = this.exprSecond as A.Expr | Operand | undefined;
    const operands = this.exprOperands as (A.Expr | Operand)[] | undefined;
    const operators = this.exprOperators as BinaryOp[] | undefined;
    this.exprFirst = outerFirst;
    this.exprOp = outerOp;
    this.exprSecond = outerSecond;
    this.exprOperands = outerOperands;
    this.exprOperators = outerOperators;
    if (this.RECORDING_PHASE) return undefined as never;
    if (operands !== undefined) return foldBinary(operands, operators!, this.file);
    if (firstOperand === undefined) return missing({ file: this.file, start: 0, end: 0 });
    if (op === undefined) {
      // One operand: no operators to fold.
      if (firstOperand.kind !== "Operand") return firstOperand;
      return foldBinary([firstOperand], [], this.file);
    }
    // One operator between operands without prefixes: the fold's result, built directly.
    if (firstOperand.kind !== "Operand" && second!.kind !== "Operand") {
      return { kind: "Binary", operator: op.op, left: firstOperand, right: second!, operatorSpan: op.span, file: this.file, start: firstOperand.start, end: Math.max(firstOperand.end, second!.end) };
    }
    return foldBinary([firstOperand, second!], [op], this.file);
  });

  /** One `operator operand` of an expression; a nested expression in the operand restores the fields. */
  private readonly expressionTail = (): void => {
    const first = this.exprFirst;
    const firstOp = this.exprOp;
    const second = this.exprSecond;
    const operands = this.exprOperands;
    const operators = this.exprOperators;
    const op = this.OR(this.binaryOperatorAlts);
    const next = this.SUBRULE1(this.operand);
    this.exprFirst = first;
    this.exprOp = firstOp;
    this.exprSecond = second;
    this.exprOperands = operands;
    this.exprOperators = operators;
    if (this.RECORDING_PHASE || op === undefined || next === undefined || first === undefined) return;
    if (firstOp === undefined) {
      this.exprOp = op;
      this.exprSecond = next;
    } else if (operands === undefined) {
      this.exprOperands = [first, second!, next];
      this.exprOperators = [firstOp, op];
    } else {
      operands.push(next);
      operators!.push(op);
    }
  };

  private readonly binaryOperatorAlts: IOrAlt<BinaryOp>[] = [
    {
      ALT: () => {
        const t = this.CONSUME(T.BinaryOperator);
        return this.RECORDING_PHASE ? (undefined as never) : { op: t.image as A.BinaryOperator, span: this.tokSpan(t) };
      },
    },
    {
      ALT: () => {
        const n = this.CONSUME(T.Not);
        const i = this.CONSUME(T.In);
        return this.RECORDING_PHASE ? (undefined as never) : { op: "not in" as const, span: this.span(n.startOffset, i.startOffset + i.image.length) };
      },
    },
  ];

  /** Prefix operators, a primary, then `.field`, `[index]` and `(args)` suffixes. */
  operand = this.RULE("operand", (): A.Expr | Operand => {
    // MANY allocates on every call, even when it does not loop. These two are
    // entered only when their first token is next (or to record the grammar):
    // skipping them otherwise changes nothing, as no terminal follows either
    // loop in this rule, so the in-repetition recovery after them never applies.
    this.pendingPrefixes = undefined;
    const next = this.LA(1).tokenType;
    if (this.RECORDING_PHASE || next === T.Minus || next === T.Not) this.MANY(this.operandPrefix);
    const prefixes = this.pendingPrefixes ?? NO_PREFIXES;
    // Recovery may leave the primary out; suffixes then apply to a placeholder.
    const e: A.Expr | undefined = this.SUBRULE(this.primary);
    this.operandExpr = this.RECORDING_PHASE ? undefined : (e ?? this.missingHere());
    const after = this.LA(1).tokenType;
    if (this.RECORDING_PHASE || after === T.Dot || after === T.LBracket || after === T.LParen) this.MANY1(this.operandSuffix);
    if (this.RECORDING_PHASE) return undefined as never;
    const atom = this.operandExpr ?? this.missingHere();
    return prefixes === NO_PREFIXES ? atom : { kind: "Operand", prefixes, atom, used: 0 };
  });

  private readonly operandPrefix = (): void => {
    const p = this.OR(this.prefixAlts);
    if (!this.RECORDING_PHASE) (this.pendingPrefixes ??= []).push(p);
  };

  private readonly prefixAlts: IOrAlt<IToken>[] = [{ ALT: () => this.CONSUME(T.Minus) }, { ALT: () => this.CONSUME(T.Not) }];

  private readonly operandSuffix = (): void => {
    this.OR1(this.suffixAlts);
  };

  /** Each wraps operandExpr (read before any SUBRULE) and stores the result there. */
  private readonly suffixAlts: IOrAlt<void>[] = [
    {
      ALT: () => {
        const e = this.operandExpr!;
        this.CONSUME(T.Dot);
        const dotEnd = this.lastEnd();
        const f = this.CONSUME(T.Name);
        if (this.RECORDING_PHASE) return;
        const field = real(f) ? this.ident(f) : this.noName(dotEnd);
        this.operandExpr = { kind: "Field", object: e, field, file: this.file, start: e.start, end: atLeast(e.start, Math.max(dotEnd, field.end)) };
      },
    },
    {
      ALT: () => {
        const e = this.operandExpr!;
        this.CONSUME(T.LBracket);
        const index = this.SUBRULE(this.expression);
        this.CONSUME(T.RBracket);
        if (this.RECORDING_PHASE) return;
        this.operandExpr = { kind: "Index", object: e, index: index ?? this.missingHere(), file: this.file, start: e.start, end: atLeast(e.start, this.lastEnd()) };
      },
    },
    {
      ALT: () => {
        const e = this.operandExpr!;
        const call = this.SUBRULE(this.args);
        if (this.RECORDING_PHASE) return;
        this.operandExpr = call === undefined ? e : { kind: "Call", callee: e, args: call.args, argsSpan: call.span, file: this.file, start: e.start, end: atLeast(e.start, call.span.end) };
      },
    },
  ];

  args = this.RULE("args", (): { args: A.Argument[]; span: Span } => {
    const open = this.CONSUME(T.LParen);
    const result = this.RECORDING_PHASE ? undefined : { args: [] as A.Argument[], span: this.tokSpan(open) };
    this.argsArgs = { ARGS: [result?.args] };
    this.MANY(this.argsMember);
    this.CONSUME(T.RParen);
    if (this.RECORDING_PHASE) return undefined as never;
    this.close(result!.span);
    result!.args = exactList(result!.args);
    return result!;
  });

  private readonly argsMember = (): void => {
    const into = this.argsArgs;
    this.SUBRULE(this.arg, into);
    this.argsArgs = into;
    this.OPTION(this.optionalComma);
  };

  arg = this.RULE("arg", (into?: A.Argument[]): void => {
    const name = this.OPTION(this.argName);
    const start = this.RECORDING_PHASE ? 0 : name !== undefined && real(name) ? name.startOffset : this.LA(1).startOffset;
    const value = this.SUBRULE(this.expression);
    if (this.RECORDING_PHASE) return;
    const v = value ?? this.missingHere();
    const from = Number.isFinite(start) ? start : v.start;
    const to = atLeast(from, v.end);
    into?.push(name !== undefined && real(name) ? { name: this.ident(name), value: v, file: this.file, start: from, end: to } : { value: v, file: this.file, start: from, end: to });
  });

  private readonly argName = (): IToken => {
    const name = this.CONSUME(T.Name);
    this.CONSUME(T.Colon);
    return name;
  };

  primary = this.RULE("primary", (): A.Expr => this.OR(this.primaryAlts));

  private readonly primaryAlts: IOrAlt<A.Expr>[] = [
    {
      ALT: () => {
        const t = this.CONSUME(T.NumberToken);
        return this.RECORDING_PHASE ? (undefined as never) : { kind: "Number", value: Number(t.image), file: this.file, start: this.tokStart(t), end: this.tokEnd(t) };
      },
    },
    {
      ALT: () => {
        const t = this.CONSUME(T.Duration);
        return this.RECORDING_PHASE ? (undefined as never) : { kind: "Duration", ms: durationMs(t.image), text: t.image, file: this.file, start: this.tokStart(t), end: this.tokEnd(t) };
      },
    },
    {
      ALT: () => {
        const t = this.CONSUME(T.StringLiteral);
        if (this.RECORDING_PHASE) return undefined as never;
        // Most strings hold neither escapes nor interpolations: their text is
        // read here, while the token is at hand. The rest wait for compiler/strings.ts.
        const image = t.image;
        if (t.tokenType === T.StringToken && image.indexOf("\\", 1) < 0 && image.indexOf("$", 1) < 0) {
          const at = t.startOffset;
          // Interpolations are parsed after the file (this.text is then ""): their strings are copied.
          const value = this.text !== "" ? this.text.slice(at + 1, at + image.length - 1) : flatSlice(image, 1, image.length - 1);
          return { kind: "String", parts: [value], file: this.file, start: this.tokStart(t), end: this.tokEnd(t) };
        }
        const node: Mutable<A.StringLiteral> = { kind: "String", parts: [], file: this.file, start: this.tokStart(t), end: this.tokEnd(t) };
        if (real(t)) this.strings.push({ node, token: t });
        return node;
      },
    },
    {
      ALT: () => {
        const t = this.CONSUME(T.True);
        return this.RECORDING_PHASE ? (undefined as never) : { kind: "Boolean", value: true, file: this.file, start: this.tokStart(t), end: this.tokEnd(t) };
      },
    },
    {
      ALT: () => {
        const t = this.CONSUME(T.False);
        return this.RECORDING_PHASE ? (undefined as never) : { kind: "Boolean", value: false, file: this.file, start: this.tokStart(t), end: this.tokEnd(t) };
      },
    },
    {
      ALT: () => {
        const t = this.CONSUME(T.Null);
        return this.RECORDING_PHASE ? (undefined as never) : { kind: "Null", file: this.file, start: this.tokStart(t), end: this.tokEnd(t) };
      },
    },
    {
      ALT: () => {
        const t = this.CONSUME(T.Identifier);
        if (this.RECORDING_PHASE) return undefined as never;
        return real(t) ? { kind: "Name", name: t.image, file: this.file, start: t.startOffset, end: t.startOffset + t.image.length } : this.missingHere();
      },
    },
    {
      // `output` is a keyword only where a type follows; elsewhere it is a name.
      ALT: () => {
        const t = this.CONSUME(T.Output);
        return this.RECORDING_PHASE ? (undefined as never) : { kind: "Name", name: t.image, file: this.file, start: this.tokStart(t), end: this.tokEnd(t) };
      },
    },
    {
      ALT: () => {
        const open = this.CONSUME(T.LParen);
        const inner = this.SUBRULE(this.expression);
        this.CONSUME(T.RParen);
        return this.RECORDING_PHASE ? (undefined as never) : ({ kind: "Paren", inner: inner ?? this.missingHere(), file: this.file, start: open.startOffset, end: atLeast(open.startOffset, this.lastEnd()) } as A.ParenExpr);
      },
    },
    { ALT: () => this.SUBRULE(this.listLiteral) },
    { ALT: () => this.SUBRULE(this.recordLiteral) },
  ];

  listLiteral = this.RULE("listLiteral", (): A.ListLiteral => {
    const open = this.CONSUME(T.LBracket);
    const node: Mutable<A.ListLiteral> | undefined = this.RECORDING_PHASE ? undefined : { kind: "List", items: [], file: this.file, start: this.tokStart(open), end: this.tokEnd(open) };
    this.MANY(() => {
      const item = this.SUBRULE(this.expression);
      if (!this.RECORDING_PHASE && item) (node!.items as A.Expr[]).push(item);
      this.OPTION(this.optionalComma);
    });
    this.CONSUME(T.RBracket);
    return this.RECORDING_PHASE ? (undefined as never) : this.close(node!);
  });

  recordLiteral = this.RULE("recordLiteral", (): A.RecordLiteral => {
    const open = this.CONSUME(T.LBrace);
    const node: Mutable<A.RecordLiteral> | undefined = this.RECORDING_PHASE ? undefined : { kind: "Record", fields: [], file: this.file, start: this.tokStart(open), end: this.tokEnd(open) };
    this.MANY(() => {
      const key = this.CONSUME(T.Name);
      this.CONSUME(T.Colon);
      const value = this.SUBRULE(this.expression);
      if (!this.RECORDING_PHASE) {
        const k = this.ident(key);
        const v = value ?? this.missingHere();
        (node!.fields as A.RecordField[]).push({ key: k, value: v, file: this.file, start: k.start, end: atLeast(k.start, v.end) });
      }
      this.OPTION(this.optionalComma);
    });
    this.CONSUME(T.RBrace);
    return this.RECORDING_PHASE ? (undefined as never) : this.close(node!);
  });
}

export function real(t: IToken): boolean {
  return !t.isInsertedInRecovery && Number.isFinite(t.startOffset) && t.tokenType !== EOF;
}

/** The smaller of two offsets can only be a start: a span never ends before it starts. */
function atLeast(start: number, end: number): number {
  return end < start ? start : end;
}

/** An expression that recovery could not find: an empty name, never reported twice. */
export function missing(at: Span): A.NameExpr {
  return { kind: "Name", name: "", file: at.file, start: at.start, end: at.start };
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The milliseconds of a duration `\d+(\.\d+)?(ms|s|m|h|d)`; 0 for anything else. */
function durationMs(text: string): number {
  const n = text.length;
  // "ms" after a digit, else the last character.
  const unitLength = n >= 3 && text.charCodeAt(n - 1) === 115 && text.charCodeAt(n - 2) === 109 ? 2 : 1;
  const unit = text.slice(n - unitLength);
  const factor = Object.hasOwn(DURATION_UNITS, unit) ? DURATION_UNITS[unit]! : undefined;
  const digits = n - unitLength;
  if (factor === undefined || !isDecimal(text, digits)) return 0;
  return Number(text.slice(0, digits)) * factor;
}

/** The first `end` characters of `text` are `\d+(\.\d+)?`. */
function isDecimal(text: string, end: number): boolean {
  let i = 0;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  if (i === 0) return false;
  if (i === end) return true;
  if (text.charCodeAt(i) !== 46) return false;
  const fraction = ++i;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  return i === end && i > fraction;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Precedence climbing over a flat operand/operator list. The state of the
 * fold is module-level (a fold never starts another), so folding allocates
 * only the nodes it builds.
 */
function foldBinary(operands: readonly (A.Expr | Operand)[], operators: readonly BinaryOp[], file: string): A.Expr {
  if (operands.length === 0) return missing({ file, start: 0, end: 0 });
  foldOperands = operands;
  foldOperators = operators;
  foldFile = file;
  foldPos = 0;
  const e = climb(0);
  foldOperands = [];
  foldOperators = [];
  return e;
}

let foldOperands: readonly (A.Expr | Operand)[] = [];
let foldOperators: readonly BinaryOp[] = [];
let foldFile = "";
/** Operands consumed. */
let foldPos = 0;

function foldOperand(): A.Expr {
  const o = foldOperands[foldPos]!;
  if (o.kind !== "Operand") {
    foldPos++;
    return o;
  }
  if (o.used < o.prefixes.length && o.prefixes[o.used]!.image === "not") {
    const notTok = o.prefixes[o.used++]!;
    const inner = climb(NOT_OPERAND_PRECEDENCE);
    return { kind: "Unary", operator: "not", operand: inner, file: foldFile, start: notTok.startOffset, end: inner.end };
  }
  let e = o.atom;
  for (let j = o.prefixes.length - 1; j >= o.used; j--) {
    const p = o.prefixes[j]!;
    e = { kind: "Unary", operator: p.image === "not" ? "not" : "-", operand: e, file: foldFile, start: p.startOffset, end: e.end };
  }
  foldPos++;
  return e;
}

function climb(min: number): A.Expr {
  let left = foldOperand();
  while (foldPos - 1 < foldOperators.length && foldPos < foldOperands.length + 1) {
    const op = foldOperators[foldPos - 1];
    if (op === undefined) break;
    const prec = PRECEDENCE[op.op]!;
    if (prec < min) break;
    const right = climb(prec + 1);
    left = { kind: "Binary", operator: op.op, left, right, operatorSpan: op.span, file: foldFile, start: left.start, end: Math.max(left.end, right.end) };
  }
  return left;
}

/** The one parser instance of the process. */
export const parser = new AiwParser();

/**
 * A copy of a finished list that holds just its items: a list grown by
 * `push` keeps room for 17 (152 bytes), and a long flow keeps several per
 * task, copied by every scavenge while the tree is young.
 */
function exactList<T>(list: readonly T[]): T[] {
  return list.length === 0 ? (list as T[]) : list.slice();
}
