// textDocument/semanticTokens/full: the lexer's tokens classified with what
// the checker knows: which names are types, tools, agents, tasks, inputs...;
// definitions carry the `declaration` modifier, built-ins `defaultLibrary`.

import { SemanticTokensBuilder, type SemanticTokens } from "vscode-languageserver";
import type { IToken } from "chevrotain";
import type { Reference } from "../compiler/check-context.ts";
import { positionAt, type SourceFile } from "../compiler/source.ts";
import * as T from "../grammar/tokens.ts";
import { commentTokensOf, tokensOf, type Analysis } from "./analysis.ts";
import { TOKEN_TYPES } from "./semantic-legend.ts";
import { referencesInRoot, resolveReference } from "./symbol-at.ts";

export { legend, TOKEN_MODIFIERS, TOKEN_TYPES } from "./semantic-legend.ts";

type TokenTypeName = (typeof TOKEN_TYPES)[number];

const BY_KIND: Readonly<Record<Reference["kind"] | "port", TokenTypeName>> = {
  type: "type",
  model: "struct",
  tool: "function",
  agent: "class",
  guardrail: "method",
  flow: "namespace",
  task: "event",
  template: "event",
  input: "parameter",
  parameter: "parameter",
  variable: "variable",
  field: "property",
  port: "property",
};

const typeIndex = (t: TokenTypeName) => TOKEN_TYPES.indexOf(t);
const DECLARATION = 1;
const DEFAULT_LIBRARY = 2;
const DOCUMENTATION = 4;

export function semanticTokens(a: Analysis, source: SourceFile): SemanticTokens {
  const names = new Map<number, [TokenTypeName, number]>();
  for (const s of a.sites) names.set(s.span.start, [BY_KIND[s.kind], DECLARATION]);
  const text = source.text;
  for (const r of referencesInRoot(a)) {
    const target = resolveReference(a, r, text.slice(r.span.start, r.span.end));
    if (target?.kind === "builtin") names.set(r.span.start, ["function", DEFAULT_LIBRARY]);
    else names.set(r.span.start, [BY_KIND[target?.kind === "site" ? target.site.kind : r.kind], 0]);
  }
  const builder = new SemanticTokensBuilder();
  const tokens = tokensOf(a.file);
  const all: IToken[] = [...tokens, ...commentTokensOf(a.file)].sort((x, y) => x.startOffset - y.startOffset);
  for (let i = 0; i < all.length; i++) {
    const t = all[i]!;
    const classified = classify(t, all[i + 1], names);
    if (classified === undefined) continue;
    const [type, mods] = classified;
    // One token per line: clients need not support tokens across lines.
    let start = t.startOffset;
    const endAt = t.startOffset + t.image.length;
    while (start < endAt) {
      let lineEnd = text.indexOf("\n", start);
      if (lineEnd < 0 || lineEnd > endAt) lineEnd = endAt;
      const pos = positionAt(source, start);
      const len = lineEnd - start - (text.charCodeAt(lineEnd - 1) === 13 ? 1 : 0);
      if (len > 0) builder.push(pos.line - 1, pos.column - 1, len, typeIndex(type), mods);
      start = lineEnd + 1;
    }
  }
  return builder.build();
}

function classify(t: IToken, next: IToken | undefined, names: ReadonlyMap<number, [TokenTypeName, number]>): [TokenTypeName, number] | undefined {
  const tt = t.tokenType;
  if (tt === T.DocComment) return ["comment", DOCUMENTATION];
  if (tt === T.LineComment || tt === T.BlockComment) return ["comment", 0];
  if (tt === T.StringToken || tt === T.UnterminatedString || tt === T.SingleQuotedString) return ["string", 0];
  if (tt === T.NumberToken || tt === T.Duration) return ["number", 0];
  const known = names.get(t.startOffset);
  if (known !== undefined) return known;
  const isKeyword = T.keywordTokens.includes(tt);
  if (tt === T.Identifier || isKeyword) {
    // A word before ':' is a property, field or argument name, even a keyword.
    if (next?.tokenType === T.Colon) return ["property", 0];
    if (isKeyword) return tt === T.And || tt === T.Or || tt === T.In || tt === T.Not ? ["keyword", 0] : ["keyword", 0];
    return ["variable", 0];
  }
  if (tt === T.Arrow || tt === T.Equals || tt === T.Question || (tt.CATEGORIES ?? []).includes(T.BinaryOperator)) return ["operator", 0];
  return undefined;
}
