// String literals: escapes and `${...}` interpolations, read after parsing
// (an interpolation is parsed by the same parser, so not from inside it).

import type { IToken } from "chevrotain";
import { describeToken, endOf, parseExpressionTokens } from "../grammar/parse.ts";
import { missing, real, type PendingString } from "../grammar/parser.ts";
import { flatSlice } from "../grammar/flat-slice.ts";
import { aiwLexer, scanInterpolation } from "../grammar/tokens.ts";
import type * as A from "./ast.ts";
import { diagnostic, type Diagnostic } from "./diagnostics.ts";
import type { Span } from "./source.ts";

/**
 * Fills in the parts of every pending string. Interpolations may hold
 * strings of their own: they join the same list and are read in turn.
 */
export function readStrings(file: string, pending: PendingString[], diagnostics: Diagnostic[]): void {
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i]!;
    p.node.parts = stringParts(file, p.token, diagnostics);
    if (p.importNode !== undefined) {
      if (p.node.parts.some((x) => typeof x !== "string")) {
        diagnostics.push(diagnostic("AIW0005", { message: "an import path cannot hold interpolations", span: p.node, label: "a plain path is expected here" }));
      }
      p.importNode.path = p.node.parts.filter((x): x is string => typeof x === "string").join("");
    }
  }
}

function stringParts(file: string, t: IToken, diagnostics: Diagnostic[]): (string | A.Expr)[] {
  const span = (start: number, end: number): Span => ({ file, start, end: Math.max(start, end) });
  const image = t.image;
  const base = t.startOffset;
  const closed = t.tokenType.name === "String" || t.tokenType.name === "SingleQuotedString";
  const end = closed ? image.length - 1 : image.length;
  // Most strings hold neither escapes nor interpolations.
  // A copy: the token's image may be a view into the lexer's copy of a window, which the tree must not keep.
  if (image.indexOf("\\", 1) < 0 && image.indexOf("$", 1) < 0) return [flatSlice(image, 1, end)];
  const parts: (string | A.Expr)[] = [];
  let text = "";
  let i = 1;
  while (i < end) {
    const ch = image.charCodeAt(i);
    if (ch === 92 /* \ */) {
      const r = escape(image, i, base, span, diagnostics);
      text += r.text;
      i = r.next;
      continue;
    }
    if (ch === 36 /* $ */ && image.charCodeAt(i + 1) === 123 /* { */) {
      const close = scanInterpolation(image, i + 2);
      if (close < 0 || close >= end + (closed ? 0 : 1)) {
        diagnostics.push(
          diagnostic("AIW0005", {
            message: "this interpolation is never closed",
            span: span(base + i, base + end),
            label: "'${' opens an interpolation that has no '}'",
            help: "close it with '}', or write '\\$' for a literal dollar sign",
          }),
        );
        text += flatSlice(image, i, end);
        break;
      }
      if (text !== "") parts.push(text);
      text = "";
      parts.push(interpolation(file, image.slice(i + 2, close), base + i + 2, span(base + i, base + close + 1), diagnostics));
      i = close + 1;
      continue;
    }
    text += image[i];
    i++;
  }
  if (text !== "" || parts.length === 0) parts.push(text);
  return parts;
}

type SpanOf = (start: number, end: number) => Span;

function escape(image: string, i: number, base: number, span: SpanOf, diagnostics: Diagnostic[]): { text: string; next: number } {
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
        const next = i + 2 + m[0].length;
        if (cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) return { text: String.fromCodePoint(cp), next };
        diagnostics.push(
          diagnostic("AIW0004", {
            message: `'\\u{${m[1]}}' is not a Unicode scalar value`,
            span: span(base + i, base + next),
            label: "not a valid character",
            help: "use a code point from 0 to 10FFFF, outside the surrogates D800 to DFFF",
          }),
        );
        return { text: "", next };
      }
      break;
    }
  }
  // A lone surrogate or any other character after the backslash: one code point.
  const cp = c === undefined ? undefined : image.codePointAt(i + 1);
  const width = cp === undefined ? 0 : cp > 0xffff ? 2 : 1;
  const shown = c === undefined ? "\\" : `\\${String.fromCodePoint(cp!)}`;
  diagnostics.push(
    diagnostic("AIW0004", {
      message: `'${shown}' is not a valid escape`,
      span: span(base + i, base + i + 1 + width),
      label: "unknown escape",
      help: "valid escapes are \\\" \\\\ \\n \\r \\t \\$ and \\u{XXXX}; write '\\\\' for a backslash",
    }),
  );
  return { text: image.slice(i + 1, i + 1 + width), next: i + 1 + width };
}

function interpolation(file: string, source: string, offset: number, whole: Span, diagnostics: Diagnostic[]): A.Expr {
  if (source.trim() === "") {
    diagnostics.push(diagnostic("AIW0005", { message: "this interpolation is empty", span: whole, label: "nothing between '${' and '}'", help: "put an expression inside, e.g. ${document}" }));
    return missing(whole);
  }
  const lexed = aiwLexer.tokenize(source);
  if (lexed.errors.length > 0) {
    const e = lexed.errors[0]!;
    diagnostics.push(
      diagnostic("AIW0005", {
        message: "this interpolation holds a character that is not part of the language",
        span: { file, start: offset + e.offset, end: offset + e.offset + e.length },
        label: "here",
      }),
    );
    return missing(whole);
  }
  const tokens = lexed.tokens.map((t) => ({ ...t, startOffset: t.startOffset + offset }));
  const r = parseExpressionTokens(tokens);
  if (r.expr === undefined || r.errors.length > 0 || r.rest > 0) {
    const bad = r.errors[0]?.token ?? (r.rest > 0 ? tokens[tokens.length - r.rest] : undefined);
    const at = bad && real(bad) ? { file, start: bad.startOffset, end: endOf(bad) } : whole;
    diagnostics.push(
      diagnostic("AIW0005", {
        message: `this interpolation is not a valid expression${bad && real(bad) ? `: unexpected ${describeToken(bad)}` : ""}`,
        span: at,
        label: "expected an expression",
        help: "write '\\$' for a literal dollar sign",
      }),
    );
    return missing(whole);
  }
  return r.expr;
}
