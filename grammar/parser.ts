// The `.aiw` parser: a Chevrotain parser with error recovery on, whose
// embedded actions build the AST (compiler/ast.ts) directly. One instance is
// reused for every parse. Nodes are created when their rule starts and put
// in their parent at once, so a rule cut short by error recovery still
// leaves what it had parsed in the tree (what editor completion works from).
//
// Why no CST: building Chevrotain's CST and then walking it into the AST cost
// five times the recognition itself on a 100,000-line file (docs/architecture.md).

import { EmbeddedActionsParser, EOF, tokenMatcher, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";
import type * as A from "../compiler/ast.ts";
import type { Span } from "../compiler/source.ts";
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

/** An operand of a flat binary expression, with its prefix operators. */
interface Operand {
  readonly prefixes: readonly IToken[];
  readonly atom: A.Expr;
  /** Prefixes already applied (precedence climbing consumes `not` first). */
  used: number;
}

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
  private docs: ReadonlyMap<number, string> = new Map();
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
  begin(file: string, docs: ReadonlyMap<number, string>): void {
    this.file = file;
    this.docs = docs;
    this.strings = [];
    this.missingValues = [];
    this.customErrors = [];
  }

  private newTask(kind: "TaskDecl" | "TemplateDecl", kw: IToken, name: IToken, into: A.TaskDecl[] | undefined): Mutable<A.TaskDecl> {
    const id = this.ident(name);
    const t: Mutable<A.TaskDecl> = this.withDoc({ kind, name: id, after: [], properties: [], span: this.span(kw.startOffset, id.span.end) }, kw.startOffset);
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

  private span(start: number, end: number): Span {
    return { file: this.file, start, end: end < start ? start : end };
  }

  private tokSpan(t: IToken): Span {
    return real(t) ? this.span(t.startOffset, t.startOffset + t.image.length) : this.point(this.lastEnd());
  }

  private point(at: number): Span {
    return { file: this.file, start: at, end: at };
  }

  /** End offset of the last real token consumed. */
  private lastEnd(): number {
    const prev = this.LA(0);
    return prev !== undefined && real(prev) ? prev.startOffset + prev.image.length : 0;
  }

  private ident(t: IToken): A.Identifier {
    return real(t) ? { name: t.image, span: this.tokSpan(t) } : { name: "", span: this.point(this.lastEnd()) };
  }

  /** Extends a node's span to the last token consumed. */
  private close<N extends { span: Span }>(node: N): N {
    const end = this.lastEnd();
    if (end > node.span.start) (node as { span: Span }).span = this.span(node.span.start, end);
    return node;
  }

  private top<N extends A.Declaration>(node: N): N {
    this.current = node;
    return node;
  }

  private withDoc<N extends object>(node: N, start: number): N {
    const doc = this.docs.get(start);
    if (doc !== undefined) (node as { doc?: string }).doc = doc;
    return node;
  }

  // ------------------------------------------------------------ declarations

  declaration = this.RULE("declaration", (): A.Declaration | A.ImportDecl | undefined =>
    this.OR([
      { ALT: () => this.SUBRULE(this.importDecl) },
      { ALT: () => this.SUBRULE(this.typeDecl) },
      { ALT: () => this.SUBRULE(this.modelDecl) },
      { ALT: () => this.SUBRULE(this.toolDecl) },
      { ALT: () => this.SUBRULE(this.agentDecl) },
      { ALT: () => this.SUBRULE(this.guardrailDecl) },
      { ALT: () => this.SUBRULE(this.flowDecl) },
    ]),
  );

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
          this.ACTION(() => names.push(this.ident(n)));
        },
      });
      this.CONSUME(T.RBrace);
      this.CONSUME(T.From);
    });
    const pathTok = this.CONSUME(T.StringLiteral);
    return this.ACTION(() => {
      const pathSpan = this.tokSpan(pathTok);
      // The path is filled in with the string's value by compiler/strings.ts.
      const node: Mutable<A.ImportDecl> = { kind: "Import", path: "", pathSpan, ...(selective ? { names } : {}), span: this.span(kw.startOffset, pathSpan.end) };
      if (real(pathTok)) this.strings.push({ node: { kind: "String", parts: [], span: pathSpan }, token: pathTok, importNode: node });
      return node;
    });
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
    return this.ACTION(() => {
      const id = this.ident(name);
      const t = type ?? { kind: "NamedType", name: { name: "", span: id.span }, span: id.span };
      return this.withDoc(this.close({ kind: "TypeDecl", name: id, type: t, span: this.span(kw.startOffset, id.span.end) } as A.TypeDecl), kw.startOffset);
    });
  });

  recordType = this.RULE("recordType", (): A.RecordTypeExpr => {
    const open = this.CONSUME(T.LBrace);
    const node = this.ACTION((): Mutable<A.RecordTypeExpr> => ({ kind: "RecordType", fields: [], span: this.tokSpan(open) }));
    this.MANY(() => this.SUBRULE(this.fieldDecl, { ARGS: [node?.fields as A.FieldDecl[]] }));
    this.CONSUME(T.RBrace);
    return this.ACTION(() => this.close(node));
  });

  fieldDecl = this.RULE("fieldDecl", (into?: A.FieldDecl[]): void => {
    const name = this.CONSUME(T.Name);
    const node = this.ACTION(() => {
      const id = this.ident(name);
      const f: Mutable<A.FieldDecl> = this.withDoc({ name: id, span: id.span }, name.startOffset);
      into?.push(f);
      return f;
    });
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpr);
    this.ACTION(() => {
      if (type) node.type = type;
    });
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      const def = this.SUBRULE(this.expression);
      this.ACTION(() => {
        if (def) node.defaultValue = def;
      });
    });
    this.OPTION1(() => this.CONSUME(T.Comma));
    this.ACTION(() => this.close(node));
  });

  // string | Invoice | string[] | number? | { a: string }
  typeExpr = this.RULE("typeExpr", (): A.TypeExpr => {
    let t: A.TypeExpr = this.OR([
      {
        ALT: () => {
          const name = this.CONSUME(T.Identifier);
          return this.ACTION(() => {
            const id = this.ident(name);
            return { kind: "NamedType", name: id, span: id.span } as A.NamedTypeExpr;
          });
        },
      },
      { ALT: () => this.SUBRULE(this.recordType) },
    ]);
    this.ACTION(() => {
      t ??= { kind: "NamedType", name: { name: "", span: this.point(this.lastEnd()) }, span: this.point(this.lastEnd()) };
    });
    this.MANY(() => {
      this.OR1([
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            this.CONSUME(T.RBracket);
            this.ACTION(() => {
              t = { kind: "ListType", element: t, span: this.span(t.span.start, this.lastEnd()) };
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Question);
            this.ACTION(() => {
              t = { kind: "OptionalType", inner: t, span: this.span(t.span.start, this.lastEnd()) };
            });
          },
        },
      ]);
    });
    return t;
  });

  modelDecl = this.RULE("modelDecl", (): A.ModelDecl => {
    const kw = this.CONSUME(T.Model);
    const name = this.CONSUME(T.Identifier);
    const node = this.ACTION((): Mutable<A.ModelDecl> => {
      const id = this.ident(name);
      return this.top(this.withDoc({ kind: "ModelDecl", name: id, properties: [], ports: [], span: this.span(kw.startOffset, id.span.end) }, kw.startOffset));
    });
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.portDecl, { ARGS: [node?.ports as A.PortDecl[]] }) },
        { ALT: () => this.SUBRULE(this.property, { ARGS: [node?.properties as A.Property[]] }) },
      ]);
    });
    this.CONSUME(T.RBrace);
    return this.ACTION(() => this.close(node));
  });

  // input features: f32[?, 512]
  portDecl = this.RULE("portDecl", (into?: A.PortDecl[]): void => {
    const direction = this.CONSUME(T.Name);
    const name = this.CONSUME1(T.Name);
    const node = this.ACTION(() => {
      const d = this.ident(direction);
      const p: Mutable<A.PortDecl> = { kind: "Port", direction: d, name: this.ident(name), dtype: { name: "", span: this.point(d.span.end) }, dims: [], span: d.span };
      into?.push(p);
      return p;
    });
    this.CONSUME(T.Colon);
    const dtype = this.CONSUME(T.Identifier);
    this.ACTION(() => {
      node.dtype = this.ident(dtype);
    });
    this.CONSUME(T.LBracket);
    this.MANY_SEP({
      SEP: T.Comma,
      DEF: () => {
        const d = this.OR1([{ ALT: () => this.CONSUME(T.NumberToken) }, { ALT: () => this.CONSUME(T.Question) }, { ALT: () => this.CONSUME1(T.Identifier) }]);
        this.ACTION(() => {
          if (real(d)) (node.dims as { text: string; span: Span }[]).push({ text: d.image, span: this.tokSpan(d) });
        });
      },
    });
    this.CONSUME(T.RBracket);
    this.ACTION(() => this.close(node));
  });

  // tool classify(text: string) -> { label: string } { model: m }
  toolDecl = this.RULE("toolDecl", (): A.ToolDecl => {
    const kw = this.CONSUME(T.Tool);
    const name = this.CONSUME(T.Identifier);
    const node = this.ACTION((): Mutable<A.ToolDecl> => {
      const id = this.ident(name);
      return this.top(this.withDoc({ kind: "ToolDecl", name: id, params: [], properties: [], hasBody: false, span: this.span(kw.startOffset, id.span.end) }, kw.startOffset));
    });
    this.SUBRULE(this.paramList, { ARGS: [node?.params as A.Param[]] });
    this.OPTION(() => {
      this.CONSUME(T.Arrow);
      const ret = this.SUBRULE(this.typeExpr);
      this.ACTION(() => {
        if (ret) node.returns = ret;
      });
    });
    this.OPTION1(() => {
      this.ACTION(() => {
        node.hasBody = true;
      });
      this.SUBRULE(this.body, { ARGS: [node?.properties as A.Property[]] });
    });
    return this.ACTION(() => this.close(node));
  });

  paramList = this.RULE("paramList", (into?: A.Param[]): void => {
    this.CONSUME(T.LParen);
    this.MANY(() => {
      this.SUBRULE(this.param, { ARGS: [into] });
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RParen);
  });

  param = this.RULE("param", (into?: A.Param[]): void => {
    const name = this.CONSUME(T.Name);
    const node = this.ACTION(() => {
      const id = this.ident(name);
      const p: Mutable<A.Param> = this.withDoc({ name: id, span: id.span }, name.startOffset);
      into?.push(p);
      return p;
    });
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpr);
    this.ACTION(() => {
      if (type) node.type = type;
    });
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      const def = this.SUBRULE(this.expression);
      this.ACTION(() => {
        if (def) node.defaultValue = def;
      });
    });
    this.ACTION(() => this.close(node));
  });

  /** `{ key: value ... }` for agents, tools and tasks. */
  body = this.RULE("body", (into?: A.Property[]): void => {
    this.CONSUME(T.LBrace);
    // `task x` or `template x` where a property was expected means this
    // block's '}' is missing: end the block here so the next task still parses.
    this.MANY({ GATE: () => !this.startsFlowMember(), DEF: () => this.SUBRULE(this.property, { ARGS: [into] }) });
    this.CONSUME(T.RBrace);
  });

  // key: value [else message]      output: Type
  property = this.RULE("property", (into?: A.Property[]): void => {
    const key = this.CONSUME(T.Name);
    const node = this.ACTION(() => {
      const id = this.ident(key);
      const p: Mutable<A.Property> = { key: id, span: id.span };
      into?.push(p);
      return p;
    });
    const colon = this.CONSUME(T.Colon);
    this.OR({
      // Decided by gates, not lookahead: `output:` takes a type, and a value
      // that is missing (the next property or the block's end follows) is one
      // clear error instead of a cascade.
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => key.tokenType === T.Output && !this.valueIsMissing(),
          ALT: () => {
            const type = this.SUBRULE(this.typeExpr);
            this.ACTION(() => {
              if (type) node.typeValue = type;
            });
          },
        },
        {
          GATE: () => !this.valueIsMissing(),
          ALT: () => {
            const value = this.SUBRULE(this.expression);
            this.ACTION(() => {
              if (value) node.value = value;
            });
          },
        },
        {
          ALT: () => {
            this.ACTION(() => {
              if (!real(colon)) return;
              const next = this.LA(1);
              this.missingValues.push({ key: key.image, at: colon.startOffset + 1, found: next });
            });
          },
        },
      ],
    });
    this.ACTION(() => this.close(node));
    this.OPTION(() => {
      this.CONSUME(T.Else);
      const message = this.SUBRULE1(this.expression);
      this.ACTION(() => {
        if (message) node.message = message;
        this.close(node);
      });
    });
    this.OPTION1(() => this.CONSUME(T.Comma));
  });

  agentDecl = this.RULE("agentDecl", (): A.AgentDecl => {
    const kw = this.CONSUME(T.Agent);
    const name = this.CONSUME(T.Identifier);
    const node = this.ACTION((): Mutable<A.AgentDecl> => {
      const id = this.ident(name);
      return this.top(this.withDoc({ kind: "AgentDecl", name: id, properties: [], span: this.span(kw.startOffset, id.span.end) }, kw.startOffset));
    });
    this.SUBRULE(this.body, { ARGS: [node?.properties as A.Property[]] });
    return this.ACTION(() => this.close(node));
  });

  // guardrail positive(inv: Invoice) = inv.amount > 0 else "amount must be positive"
  guardrailDecl = this.RULE("guardrailDecl", (): A.GuardrailDecl => {
    const kw = this.CONSUME(T.Guardrail);
    const name = this.CONSUME(T.Identifier);
    const node = this.ACTION((): Mutable<A.GuardrailDecl> => {
      const id = this.ident(name);
      return this.top(this.withDoc({ kind: "GuardrailDecl", name: id, params: [], span: this.span(kw.startOffset, id.span.end) }, kw.startOffset));
    });
    this.SUBRULE(this.paramList, { ARGS: [node?.params as A.Param[]] });
    this.CONSUME(T.Equals);
    const condition = this.SUBRULE(this.expression);
    this.ACTION(() => {
      if (condition) node.condition = condition;
    });
    this.CONSUME(T.Else);
    const message = this.SUBRULE1(this.expression);
    return this.ACTION(() => {
      if (message) node.message = message;
      return this.close(node);
    });
  });

  flowDecl = this.RULE("flowDecl", (): A.FlowDecl => {
    const kw = this.CONSUME(T.Flow);
    const name = this.CONSUME(T.Identifier);
    const node = this.ACTION((): Mutable<A.FlowDecl> => {
      const id = this.ident(name);
      return this.top(this.withDoc({ kind: "FlowDecl", name: id, params: [], properties: [], tasks: [], templates: [], span: this.span(kw.startOffset, id.span.end) }, kw.startOffset));
    });
    this.SUBRULE(this.paramList, { ARGS: [node?.params as A.Param[]] });
    this.OPTION(() => {
      this.CONSUME(T.Arrow);
      const ret = this.SUBRULE(this.typeExpr);
      this.ACTION(() => {
        if (ret) node.returns = ret;
      });
    });
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.taskDecl, { ARGS: [node?.tasks as A.TaskDecl[]] }) },
        { ALT: () => this.SUBRULE(this.templateDecl, { ARGS: [node?.templates as A.TaskDecl[]] }) },
        { ALT: () => this.SUBRULE(this.returnStmt, { ARGS: [node] }) },
        { ALT: () => this.SUBRULE(this.property, { ARGS: [node?.properties as A.Property[]] }) },
      ]);
    });
    this.CONSUME(T.RBrace);
    return this.ACTION(() => this.close(node));
  });

  // task NAME [after a, b] [when EXPR] [for x in EXPR] { ... }
  taskDecl = this.RULE("taskDecl", (into?: A.TaskDecl[]): void => {
    const kw = this.CONSUME(T.Task);
    const name = this.CONSUME(T.Identifier);
    const node = this.ACTION(() => this.newTask("TaskDecl", kw, name, into));
    this.SUBRULE(this.taskHeader, { ARGS: [node] });
    this.SUBRULE(this.body, { ARGS: [node?.properties as A.Property[]] });
    this.ACTION(() => this.close(node));
  });

  // template NAME { ... }: a task that only runs when another task injects it.
  // It takes the same header as a task, so the checker can say why it may not.
  templateDecl = this.RULE("templateDecl", (into?: A.TaskDecl[]): void => {
    const kw = this.CONSUME(T.Template);
    const name = this.CONSUME(T.Identifier);
    const node = this.ACTION(() => this.newTask("TemplateDecl", kw, name, into));
    this.SUBRULE(this.taskHeader, { ARGS: [node] });
    this.SUBRULE(this.body, { ARGS: [node?.properties as A.Property[]] });
    this.ACTION(() => this.close(node));
  });

  taskHeader = this.RULE("taskHeader", (node?: Mutable<A.TaskDecl>): void => {
    this.OPTION(() => {
      this.CONSUME(T.After);
      this.AT_LEAST_ONE_SEP({
        SEP: T.Comma,
        DEF: () => {
          const a = this.CONSUME1(T.Identifier);
          this.ACTION(() => {
            if (real(a)) (node!.after as A.Identifier[]).push(this.ident(a));
          });
        },
      });
    });
    this.OPTION1(() => {
      this.CONSUME(T.When);
      const when = this.SUBRULE(this.expression);
      this.ACTION(() => {
        if (when) node!.when = when;
      });
    });
    this.OPTION2(() => {
      this.CONSUME(T.For);
      const variable = this.CONSUME2(T.Identifier);
      const forEach = this.ACTION(() => {
        const f: { variable: A.Identifier; iterable?: A.Expr } = { variable: this.ident(variable) };
        node!.forEach = f;
        return f;
      });
      this.CONSUME(T.In);
      const iterable = this.SUBRULE1(this.expression);
      this.ACTION(() => {
        if (iterable) forEach.iterable = iterable;
      });
    });
    this.ACTION(() => this.close(node!));
  });

  returnStmt = this.RULE("returnStmt", (flow?: Mutable<A.FlowDecl>): void => {
    const kw = this.CONSUME(T.Return);
    this.ACTION(() => {
      if (flow?.returnSpan !== undefined && real(kw)) {
        this.customErrors.push({ start: kw.startOffset, end: kw.startOffset + kw.image.length, message: "a flow has only one 'return'", label: "second 'return'", help: "return one value; a record can hold several: return { a: x, b: y }" });
      }
      if (flow) flow.returnSpan = this.tokSpan(kw);
    });
    const value = this.SUBRULE(this.expression);
    this.ACTION(() => {
      if (flow === undefined) return;
      if (value) flow.returnValue = value;
      flow.returnSpan = this.span(kw.startOffset, this.lastEnd());
    });
  });

  // ------------------------------------------------------------- expressions
  // Flat: operands separated by binary operators, folded by precedence in
  // foldBinary. Two rule calls per operand instead of one per precedence level.

  expression = this.RULE("expression", (): A.Expr => {
    const operands: Operand[] = [];
    const operators: { op: A.BinaryOperator; span: Span }[] = [];
    const first = this.SUBRULE(this.operand);
    this.ACTION(() => {
      // Recovery may leave an operand out: the fold then sees fewer operands.
      if (first !== undefined) operands.push(first);
    });
    this.MANY(() => {
      const op = this.OR([
        {
          ALT: () => {
            const t = this.CONSUME(T.BinaryOperator);
            return this.ACTION(() => ({ op: t.image as A.BinaryOperator, span: this.tokSpan(t) }));
          },
        },
        {
          ALT: () => {
            const n = this.CONSUME(T.Not);
            const i = this.CONSUME(T.In);
            return this.ACTION(() => ({ op: "not in" as const, span: this.span(n.startOffset, i.startOffset + i.image.length) }));
          },
        },
      ]);
      const next = this.SUBRULE1(this.operand);
      this.ACTION(() => {
        if (op === undefined || next === undefined || operands.length === 0) return;
        operators.push(op);
        operands.push(next);
      });
    });
    return this.ACTION(() => foldBinary(operands, operators, this.file));
  });

  /** Prefix operators, a primary, then `.field`, `[index]` and `(args)` suffixes. */
  operand = this.RULE("operand", (): Operand => {
    const prefixes: IToken[] = [];
    this.MANY(() => {
      const p = this.OR([{ ALT: () => this.CONSUME(T.Minus) }, { ALT: () => this.CONSUME(T.Not) }]);
      this.ACTION(() => prefixes.push(p));
    });
    // Recovery may leave the primary out; suffixes then apply to a placeholder.
    let e: A.Expr = this.SUBRULE(this.primary);
    this.ACTION(() => {
      e ??= missing(this.point(this.lastEnd()));
    });
    this.MANY1(() => {
      this.OR1([
        {
          ALT: () => {
            this.CONSUME(T.Dot);
            const dotEnd = this.lastEnd();
            const f = this.CONSUME(T.Name);
            this.ACTION(() => {
              const field = real(f) ? this.ident(f) : { name: "", span: this.point(dotEnd) };
              e = { kind: "Field", object: e, field, span: this.span(e.span.start, Math.max(dotEnd, field.span.end)) };
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            const index = this.SUBRULE(this.expression);
            this.CONSUME(T.RBracket);
            this.ACTION(() => {
              e = { kind: "Index", object: e, index: index ?? missing(this.point(this.lastEnd())), span: this.span(e.span.start, this.lastEnd()) };
            });
          },
        },
        {
          ALT: () => {
            const call = this.SUBRULE(this.args);
            this.ACTION(() => {
              if (call === undefined) return;
              e = { kind: "Call", callee: e, args: call.args, argsSpan: call.span, span: this.span(e.span.start, call.span.end) };
            });
          },
        },
      ]);
    });
    return this.ACTION(() => ({ prefixes, atom: e ?? missing(this.point(this.lastEnd())), used: 0 }));
  });

  args = this.RULE("args", (): { args: A.Argument[]; span: Span } => {
    const open = this.CONSUME(T.LParen);
    const result = this.ACTION(() => ({ args: [] as A.Argument[], span: this.tokSpan(open) }));
    this.MANY(() => {
      this.SUBRULE(this.arg, { ARGS: [result?.args] });
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RParen);
    return this.ACTION(() => this.close(result));
  });

  arg = this.RULE("arg", (into?: A.Argument[]): void => {
    let name: IToken | undefined;
    this.OPTION(() => {
      name = this.CONSUME(T.Name);
      this.CONSUME(T.Colon);
    });
    const start = this.ACTION(() => (name !== undefined && real(name) ? name.startOffset : this.LA(1).startOffset));
    const value = this.SUBRULE(this.expression);
    this.ACTION(() => {
      const v = value ?? missing(this.point(this.lastEnd()));
      into?.push({ ...(name !== undefined && real(name) ? { name: this.ident(name) } : {}), value: v, span: this.span(Number.isFinite(start) ? start : v.span.start, v.span.end) });
    });
  });

  primary = this.RULE("primary", (): A.Expr =>
    this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(T.NumberToken);
          return this.ACTION(() => ({ kind: "Number", value: Number(t.image), span: this.tokSpan(t) }) as A.NumberLiteral);
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.Duration);
          return this.ACTION(() => ({ kind: "Duration", ms: durationMs(t.image), text: t.image, span: this.tokSpan(t) }) as A.DurationLiteral);
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.StringLiteral);
          return this.ACTION(() => {
            const node: Mutable<A.StringLiteral> = { kind: "String", parts: [], span: this.tokSpan(t) };
            if (real(t)) this.strings.push({ node, token: t });
            return node;
          });
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.True);
          return this.ACTION(() => ({ kind: "Boolean", value: true, span: this.tokSpan(t) }) as A.BooleanLiteral);
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.False);
          return this.ACTION(() => ({ kind: "Boolean", value: false, span: this.tokSpan(t) }) as A.BooleanLiteral);
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.Null);
          return this.ACTION(() => ({ kind: "Null", span: this.tokSpan(t) }) as A.NullLiteral);
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.Identifier);
          return this.ACTION(() => (real(t) ? ({ kind: "Name", name: t.image, span: this.tokSpan(t) } as A.NameExpr) : missing(this.point(this.lastEnd()))));
        },
      },
      {
        // `output` is a keyword only where a type follows; elsewhere it is a name.
        ALT: () => {
          const t = this.CONSUME(T.Output);
          return this.ACTION(() => ({ kind: "Name", name: t.image, span: this.tokSpan(t) }) as A.NameExpr);
        },
      },
      {
        ALT: () => {
          const open = this.CONSUME(T.LParen);
          const inner = this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
          return this.ACTION(() => ({ kind: "Paren", inner: inner ?? missing(this.point(this.lastEnd())), span: this.span(open.startOffset, this.lastEnd()) }) as A.ParenExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.listLiteral) },
      { ALT: () => this.SUBRULE(this.recordLiteral) },
    ]),
  );

  listLiteral = this.RULE("listLiteral", (): A.ListLiteral => {
    const open = this.CONSUME(T.LBracket);
    const node = this.ACTION((): Mutable<A.ListLiteral> => ({ kind: "List", items: [], span: this.tokSpan(open) }));
    this.MANY(() => {
      const item = this.SUBRULE(this.expression);
      this.ACTION(() => {
        if (item) (node.items as A.Expr[]).push(item);
      });
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RBracket);
    return this.ACTION(() => this.close(node));
  });

  recordLiteral = this.RULE("recordLiteral", (): A.RecordLiteral => {
    const open = this.CONSUME(T.LBrace);
    const node = this.ACTION((): Mutable<A.RecordLiteral> => ({ kind: "Record", fields: [], span: this.tokSpan(open) }));
    this.MANY(() => {
      const key = this.CONSUME(T.Name);
      this.CONSUME(T.Colon);
      const value = this.SUBRULE(this.expression);
      this.ACTION(() => {
        const k = this.ident(key);
        const v = value ?? missing(this.point(this.lastEnd()));
        (node.fields as { key: A.Identifier; value: A.Expr; span: Span }[]).push({ key: k, value: v, span: this.span(k.span.start, v.span.end) });
      });
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RBrace);
    return this.ACTION(() => this.close(node));
  });
}

export function real(t: IToken): boolean {
  return !t.isInsertedInRecovery && Number.isFinite(t.startOffset) && t.tokenType !== EOF;
}

/** An expression that recovery could not find: an empty name, never reported twice. */
export function missing(at: Span): A.NameExpr {
  return { kind: "Name", name: "", span: { file: at.file, start: at.start, end: at.start } };
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text);
  return m ? Number(m[1]) * DURATION_UNITS[m[2]!]! : 0;
}

/** Precedence climbing over a flat operand/operator list. */
function foldBinary(operands: Operand[], operators: readonly { op: A.BinaryOperator; span: Span }[], file: string): A.Expr {
  let pos = 0; // operands consumed
  const spanOf = (a: A.Expr, b: A.Expr): Span => ({ file, start: a.span.start, end: Math.max(a.span.end, b.span.end) });
  const operand = (): A.Expr => {
    const o = operands[pos]!;
    if (o.used < o.prefixes.length && o.prefixes[o.used]!.image === "not") {
      const notTok = o.prefixes[o.used++]!;
      const inner = climb(NOT_OPERAND_PRECEDENCE);
      return { kind: "Unary", operator: "not", operand: inner, span: { file, start: notTok.startOffset, end: inner.span.end } };
    }
    let e = o.atom;
    for (let j = o.prefixes.length - 1; j >= o.used; j--) {
      const p = o.prefixes[j]!;
      e = { kind: "Unary", operator: p.image === "not" ? "not" : "-", operand: e, span: { file, start: p.startOffset, end: e.span.end } };
    }
    pos++;
    return e;
  };
  const climb = (min: number): A.Expr => {
    let left = operand();
    while (pos - 1 < operators.length && pos < operands.length + 1) {
      const op = operators[pos - 1];
      if (op === undefined) break;
      const prec = PRECEDENCE[op.op]!;
      if (prec < min) break;
      const right = climb(prec + 1);
      left = { kind: "Binary", operator: op.op, left, right, operatorSpan: op.span, span: spanOf(left, right) };
    }
    return left;
  };
  if (operands.length === 0) return missing({ file, start: 0, end: 0 });
  const e = climb(0);
  return e;
}

/** The one parser instance of the process. */
export const parser = new AiwParser();
