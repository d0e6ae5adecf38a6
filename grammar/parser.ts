// The `.aiw` parser: a Chevrotain CST parser with error recovery on. One
// instance is reused for every parse (Chevrotain's recommended practice).

import { CstParser, EOF, type CstNode, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";
import * as T from "./tokens.ts";

/** Top-level keywords: a declaration starts at one of these when a name or string follows. */
export const declarationStarts: readonly TokenType[] = [T.Import, T.Type, T.Model, T.Tool, T.Agent, T.Guardrail, T.Flow];

/** Human names of grammar rules, used in syntax errors ("while parsing a task ..."). */
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
  returnStmt: "the flow's return",
  property: "a property",
  outputProperty: "the output type of a task",
  body: "a block",
  expression: "an expression",
  args: "the arguments of a call",
  listLiteral: "a list",
  recordLiteral: "a record",
};

const expressionRules = new Set(["expression", "andExpr", "notExpr", "comparison", "additive", "multiplicative", "unary", "postfix", "primary", "arg"]);

/** What may come before the closing brace of a block, by rule. */
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

export class AiwParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, nodeLocationTracking: "onlyOffset", errorMessageProvider: expectedMessages });
    this.performSelfAnalysis();
  }

  declaration = this.RULE("declaration", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.importDecl) },
      { ALT: () => this.SUBRULE(this.typeDecl) },
      { ALT: () => this.SUBRULE(this.modelDecl) },
      { ALT: () => this.SUBRULE(this.toolDecl) },
      { ALT: () => this.SUBRULE(this.agentDecl) },
      { ALT: () => this.SUBRULE(this.guardrailDecl) },
      { ALT: () => this.SUBRULE(this.flowDecl) },
    ]);
  });

  // import "./common.aiw"            every name the file declares
  // import { a, b } from "./x.aiw"   only these
  importDecl = this.RULE("importDecl", () => {
    this.CONSUME(T.Import);
    this.OPTION(() => {
      this.CONSUME(T.LBrace);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Name, { LABEL: "names" }) });
      this.CONSUME(T.RBrace);
      this.CONSUME(T.From);
    });
    this.CONSUME(T.StringLiteral, { LABEL: "path" });
  });

  // type Invoice { vendor: string  amount: number = 0 }   |   type Labels = string[]
  typeDecl = this.RULE("typeDecl", () => {
    this.CONSUME(T.Type);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OR([
      { ALT: () => this.SUBRULE(this.recordType) },
      {
        ALT: () => {
          this.CONSUME(T.Equals);
          this.SUBRULE(this.typeExpr);
        },
      },
    ]);
  });

  recordType = this.RULE("recordType", () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.fieldDecl));
    this.CONSUME(T.RBrace);
  });

  fieldDecl = this.RULE("fieldDecl", () => {
    this.CONSUME(T.Name, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression, { LABEL: "default" });
    });
    this.OPTION1(() => this.CONSUME(T.Comma));
  });

  // string | Invoice | string[] | number? | { a: string }
  typeExpr = this.RULE("typeExpr", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Identifier, { LABEL: "name" }) },
      { ALT: () => this.SUBRULE(this.recordType) },
    ]);
    this.MANY(() => {
      this.OR1([
        {
          ALT: () => {
            this.CONSUME(T.LBracket, { LABEL: "list" });
            this.CONSUME(T.RBracket);
          },
        },
        { ALT: () => this.CONSUME(T.Question, { LABEL: "optional" }) },
      ]);
    });
  });

  modelDecl = this.RULE("modelDecl", () => {
    this.CONSUME(T.Model);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.portDecl) },
        { ALT: () => this.SUBRULE(this.property) },
      ]);
    });
    this.CONSUME(T.RBrace);
  });

  // input features: f32[?, 512]
  portDecl = this.RULE("portDecl", () => {
    this.CONSUME(T.Name, { LABEL: "direction" });
    this.CONSUME1(T.Name, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.CONSUME(T.Identifier, { LABEL: "dtype" });
    this.CONSUME(T.LBracket);
    this.MANY_SEP({
      SEP: T.Comma,
      DEF: () =>
        this.OR([
          { ALT: () => this.CONSUME(T.NumberToken, { LABEL: "dims" }) },
          { ALT: () => this.CONSUME(T.Question, { LABEL: "dims" }) },
          { ALT: () => this.CONSUME1(T.Identifier, { LABEL: "dims" }) },
        ]),
    });
    this.CONSUME(T.RBracket);
  });

  // tool classify(text: string) -> { label: string } { model: m }
  toolDecl = this.RULE("toolDecl", () => {
    this.CONSUME(T.Tool);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.SUBRULE(this.paramList);
    this.OPTION(() => {
      this.CONSUME(T.Arrow);
      this.SUBRULE(this.typeExpr, { LABEL: "returns" });
    });
    this.OPTION1(() => this.SUBRULE(this.body));
  });

  paramList = this.RULE("paramList", () => {
    this.CONSUME(T.LParen);
    this.MANY(() => {
      this.SUBRULE(this.param);
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RParen);
  });

  param = this.RULE("param", () => {
    this.CONSUME(T.Name, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression, { LABEL: "default" });
    });
  });

  /** `{ key: value ... }` for agents, tools and tasks; `output:` takes a type. */
  body = this.RULE("body", () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.OR({
        // `output: T` is also a `name: expression` by shape; the typed form wins.
        IGNORE_AMBIGUITIES: true,
        DEF: [{ ALT: () => this.SUBRULE(this.outputProperty) }, { ALT: () => this.SUBRULE(this.property) }],
      });
    });
    this.CONSUME(T.RBrace);
  });

  // output: Invoice
  outputProperty = this.RULE("outputProperty", () => {
    this.CONSUME(T.Output, { LABEL: "key" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
    this.OPTION(() => this.CONSUME(T.Comma));
  });

  agentDecl = this.RULE("agentDecl", () => {
    this.CONSUME(T.Agent);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.SUBRULE(this.body);
  });

  // guardrail positive(inv: Invoice) = inv.amount > 0 else "amount must be positive"
  guardrailDecl = this.RULE("guardrailDecl", () => {
    this.CONSUME(T.Guardrail);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.SUBRULE(this.paramList);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression, { LABEL: "condition" });
    this.CONSUME(T.Else);
    this.SUBRULE1(this.expression, { LABEL: "message" });
  });

  flowDecl = this.RULE("flowDecl", () => {
    this.CONSUME(T.Flow);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.SUBRULE(this.paramList);
    this.OPTION(() => {
      this.CONSUME(T.Arrow);
      this.SUBRULE(this.typeExpr, { LABEL: "returns" });
    });
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.taskDecl) },
        { ALT: () => this.SUBRULE(this.templateDecl) },
        { ALT: () => this.SUBRULE(this.returnStmt) },
        { ALT: () => this.SUBRULE(this.property) },
      ]);
    });
    this.CONSUME(T.RBrace);
  });

  // task NAME [after a, b] [when EXPR] [for x in EXPR] { ... }
  taskDecl = this.RULE("taskDecl", () => {
    this.CONSUME(T.Task);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.After);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME1(T.Identifier, { LABEL: "after" }) });
    });
    this.OPTION1(() => {
      this.CONSUME(T.When);
      this.SUBRULE(this.expression, { LABEL: "when" });
    });
    this.OPTION2(() => {
      this.CONSUME(T.For);
      this.CONSUME2(T.Identifier, { LABEL: "variable" });
      this.CONSUME(T.In);
      this.SUBRULE1(this.expression, { LABEL: "iterable" });
    });
    this.SUBRULE(this.body);
  });

  // template NAME { ... }: a task that only runs when another task injects it
  templateDecl = this.RULE("templateDecl", () => {
    this.CONSUME(T.Template);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.SUBRULE(this.body);
  });

  returnStmt = this.RULE("returnStmt", () => {
    this.CONSUME(T.Return);
    this.SUBRULE(this.expression);
  });

  // key: value [else message]
  property = this.RULE("property", () => {
    this.CONSUME(T.Name, { LABEL: "key" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression, { LABEL: "value" });
    this.OPTION(() => {
      this.CONSUME(T.Else);
      this.SUBRULE1(this.expression, { LABEL: "message" });
    });
    this.OPTION1(() => this.CONSUME(T.Comma));
  });

  // ---------------------------------------------------------------- expressions
  // Precedence, loosest first: or, and, not, comparison, + -, * / %, unary -, postfix.

  expression = this.RULE("expression", () => {
    this.SUBRULE(this.andExpr, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(T.Or, { LABEL: "operators" });
      this.SUBRULE1(this.andExpr, { LABEL: "operands" });
    });
  });

  andExpr = this.RULE("andExpr", () => {
    this.SUBRULE(this.notExpr, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(T.And, { LABEL: "operators" });
      this.SUBRULE1(this.notExpr, { LABEL: "operands" });
    });
  });

  notExpr = this.RULE("notExpr", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.notExpr, { LABEL: "operand" });
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  comparison = this.RULE("comparison", () => {
    this.SUBRULE(this.additive, { LABEL: "operands" });
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.EqEq, { LABEL: "operator" }) },
        { ALT: () => this.CONSUME(T.NotEq, { LABEL: "operator" }) },
        { ALT: () => this.CONSUME(T.LtEq, { LABEL: "operator" }) },
        { ALT: () => this.CONSUME(T.GtEq, { LABEL: "operator" }) },
        { ALT: () => this.CONSUME(T.Lt, { LABEL: "operator" }) },
        { ALT: () => this.CONSUME(T.Gt, { LABEL: "operator" }) },
        { ALT: () => this.CONSUME(T.In, { LABEL: "operator" }) },
        {
          ALT: () => {
            this.CONSUME(T.Not, { LABEL: "negated" });
            this.CONSUME1(T.In, { LABEL: "operator" });
          },
        },
      ]);
      this.SUBRULE1(this.additive, { LABEL: "operands" });
    });
  });

  additive = this.RULE("additive", () => {
    this.SUBRULE(this.multiplicative, { LABEL: "operands" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Plus, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(T.Minus, { LABEL: "operators" }) },
      ]);
      this.SUBRULE1(this.multiplicative, { LABEL: "operands" });
    });
  });

  multiplicative = this.RULE("multiplicative", () => {
    this.SUBRULE(this.unary, { LABEL: "operands" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Star, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(T.Slash, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(T.Percent, { LABEL: "operators" }) },
      ]);
      this.SUBRULE1(this.unary, { LABEL: "operands" });
    });
  });

  unary = this.RULE("unary", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unary, { LABEL: "operand" });
        },
      },
      { ALT: () => this.SUBRULE(this.postfix) },
    ]);
  });

  // a.b   a[0]   f(x, name: y)
  postfix = this.RULE("postfix", () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Dot, { LABEL: "suffixes" });
            this.CONSUME(T.Name, { LABEL: "fields" });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket, { LABEL: "suffixes" });
            this.SUBRULE(this.expression, { LABEL: "indexes" });
            this.CONSUME(T.RBracket);
          },
        },
        { ALT: () => this.SUBRULE(this.args, { LABEL: "suffixes" }) },
      ]);
    });
  });

  args = this.RULE("args", () => {
    this.CONSUME(T.LParen);
    this.MANY(() => {
      this.SUBRULE(this.arg);
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RParen);
  });

  arg = this.RULE("arg", () => {
    this.OPTION(() => {
      this.CONSUME(T.Name, { LABEL: "name" });
      this.CONSUME(T.Colon);
    });
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberToken, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.Duration, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.True, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.False, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.Null, { LABEL: "literal" }) },
      { ALT: () => this.CONSUME(T.Identifier, { LABEL: "name" }) },
      // `output` is a keyword only where a type follows; elsewhere it is a name.
      { ALT: () => this.CONSUME(T.Output, { LABEL: "name" }) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression, { LABEL: "inner" });
          this.CONSUME(T.RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.listLiteral) },
      { ALT: () => this.SUBRULE(this.recordLiteral) },
    ]);
  });

  listLiteral = this.RULE("listLiteral", () => {
    this.CONSUME(T.LBracket);
    this.MANY(() => {
      this.SUBRULE(this.expression, { LABEL: "items" });
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RBracket);
  });

  recordLiteral = this.RULE("recordLiteral", () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.CONSUME(T.Name, { LABEL: "keys" });
      this.CONSUME(T.Colon);
      this.SUBRULE(this.expression, { LABEL: "values" });
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RBrace);
  });
}

/** The one parser instance of the process. */
export const parser = new AiwParser();

export { EOF };
export type { CstNode, IToken };
