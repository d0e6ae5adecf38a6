// Text -> tokens -> AST declarations. The token stream is cut at every
// top-level keyword that starts a declaration, and each piece is parsed on
// its own, so an error (a missing brace, say) stays inside its declaration
// and every later declaration is still parsed and checked.

import type { ILexingError, IRecognitionException, IToken } from "chevrotain";
import type * as A from "../compiler/ast.ts";
import { parser, ruleDescriptions, type PendingString } from "./parser.ts";
import * as T from "./tokens.ts";

export interface SyntaxError {
  /** Offsets into the text; `start === end` for a point (e.g. end of file). */
  readonly start: number;
  readonly end: number;
  readonly message: string;
  /** A short label for the caret, e.g. "expected '}' here". */
  readonly label: string;
  readonly kind: "character" | "unterminated-string" | "syntax";
  readonly help?: string;
  /** A replacement that fixes it: the text for [start, end). */
  readonly replacement?: string;
}

export interface ParsedText {
  /** Significant tokens (no comments, no whitespace). */
  readonly tokens: readonly IToken[];
  readonly comments: readonly IToken[];
  readonly declarations: readonly (A.Declaration | A.ImportDecl)[];
  /** String literals whose escapes and interpolations are still to be read. */
  readonly strings: readonly PendingString[];
  readonly errors: readonly SyntaxError[];
}

/**
 * Whether tokens[i] starts a declaration (import, type, model, tool, agent,
 * guardrail or flow, then a name or an import's path); the tokens end at `count`.
 */
function startsDeclaration(tokens: readonly IToken[], i: number, count: number): boolean {
  const t = tokens[i]!;
  const tt = t.tokenType;
  if (tt !== T.Flow && tt !== T.Tool && tt !== T.Type && tt !== T.Import && tt !== T.Model && tt !== T.Agent && tt !== T.Guardrail) return false;
  const next = i + 1 < count ? tokens[i + 1] : undefined;
  if (next === undefined) return true;
  if (t.tokenType === T.Import) return next.tokenType === T.StringToken || next.tokenType === T.UnterminatedString || next.tokenType === T.LBrace;
  return next.tokenType === T.Identifier;
}

export function lex(text: string): { tokens: IToken[]; comments: IToken[]; errors: SyntaxError[] } {
  const result = T.aiwLexer.tokenize(text);
  const errors: SyntaxError[] = result.errors.map((e) => lexError(text, e));
  for (const tok of (result.groups["mistakes"] as IToken[] | undefined) ?? []) {
    const start = tok.startOffset;
    if (tok.tokenType === T.HashComment) {
      errors.push({ start, end: start + 1, message: "'#' does not start a comment", label: "use '//' for a comment", kind: "character", help: "comments start with '//'", replacement: "//" });
    } else {
      errors.push({ start, end: start + 1, message: "';' is not used in AIWork", label: "remove this ';'", kind: "character", help: "properties and statements end at the end of the line", replacement: "" });
    }
  }
  const tokens = result.tokens;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const tt = tok.tokenType;
    if (tt !== T.SingleQuotedString && tt !== T.UnterminatedString) continue;
    if (tt === T.SingleQuotedString) {
      const inner = tok.image.slice(1, -1);
      errors.push({
        start: tok.startOffset,
        end: tok.startOffset + tok.image.length,
        message: "strings are written in double quotes",
        label: "single quotes",
        kind: "character",
        help: "write the string in double quotes",
        ...(inner.includes('"') || inner.includes("\\") ? {} : { replacement: `"${inner}"` }),
      });
    }
    if (tok.tokenType === T.UnterminatedString) {
      errors.push({
        start: tok.startOffset,
        end: tok.startOffset + tok.image.length,
        message: "this string is never closed",
        label: "the string starts here and runs to the end of the line",
        kind: "unterminated-string",
      });
    }
  }
  return { tokens: result.tokens, comments: (result.groups["comments"] as IToken[] | undefined) ?? [], errors };
}

function lexError(text: string, e: ILexingError): SyntaxError {
  const chars = [...text.slice(e.offset, e.offset + e.length)];
  const shown = chars
    .slice(0, 8)
    .map((c) => {
      const cp = c.codePointAt(0)!;
      return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0xd800 && cp <= 0xdfff) ? `U+${cp.toString(16).toUpperCase().padStart(4, "0")}` : c === "'" ? '"\'"' : `'${c}'`;
    })
    .join(" ");
  const many = chars.length > 1;
  return {
    start: e.offset,
    end: e.offset + e.length,
    message: `unexpected character${many ? "s" : ""} ${shown}${chars.length > 8 ? " ..." : ""}`,
    label: many ? "these characters are not part of the language" : "this character is not part of the language",
    kind: "character",
  };
}

/** Room for the sentinels the parser appends to its input (maxLookahead + 1). */
const CHUNK_PADDING = 4;

/** Parses a whole file into declarations. Never throws on any input. */
export function parseText(file: string, text: string): ParsedText {
  const { tokens, comments, errors } = lex(text);
  parser.begin(file, docCommentsByTarget(text, comments));
  const declarations: (A.Declaration | A.ImportDecl)[] = [];
  // Chevrotain appends end-of-input sentinels to its input (and removes them
  // after parsing). Padding the token list lets every chunk be sliced with room
  // for them, so appending them never copies the chunk into a larger array.
  const count = tokens.length;
  if (count > 0) for (let k = 0; k < CHUNK_PADDING; k++) tokens.push(tokens[count - 1]!);
  try {
    let i = 0;
    while (i < count) {
      // Find the next declaration; on the way, the nesting of this piece (see deepestNesting).
      let j = i;
      let depth = 0;
      let prefix = 0;
      let tooDeep: IToken | undefined;
      do {
        if (tooDeep === undefined) {
          const t = tokens[j]!;
          const tt = t.tokenType;
          if (tt === T.LParen || tt === T.LBracket || tt === T.LBrace) depth++;
          else if (tt === T.RParen || tt === T.RBracket || tt === T.RBrace) depth = depth > 0 ? depth - 1 : 0;
          if (tt === T.Not || tt === T.Minus) prefix++;
          else prefix = 0;
          if (depth + prefix > MAX_NESTING) tooDeep = t;
        }
        j++;
      } while (j < count && !startsDeclaration(tokens, j, count));
      if (!startsDeclaration(tokens, i, count)) {
        // Stray tokens before the next declaration: one error, then skip them.
        const first = tokens[i]!;
        errors.push({
          start: first.startOffset,
          end: endOf(first),
          message: `expected a declaration (import, type, model, tool, agent, guardrail or flow), found ${describeToken(first)}`,
          label: "a declaration was expected here",
          kind: "syntax",
        });
        i = j;
        continue;
      }
      const start = i;
      i = j;
      if (tooDeep !== undefined) {
        errors.push({ start: tooDeep.startOffset, end: endOf(tooDeep), message: `this declaration nests brackets or operators more than ${MAX_NESTING} levels deep`, label: "nested too deeply here", kind: "syntax" });
        continue;
      }
      const chunk = tokens.slice(start, j + CHUNK_PADDING);
      chunk.length = j - start;
      parser.input = chunk;
      parser.current = undefined;
      let decl: A.Declaration | A.ImportDecl | undefined;
      try {
        decl = parser.declaration() ?? parser.current;
      } catch (err) {
        // A backstop: the nesting limit keeps the recursive parser well inside
        // the stack, but no input may crash the compiler.
        if (!(err instanceof RangeError)) throw err;
        errors.push({ start: chunk[0]!.startOffset, end: endOf(chunk[0]!), message: "this declaration is too deeply nested to parse", label: "here", kind: "syntax" });
        continue;
      }
      for (const e of parser.errors) errors.push(syntaxError(text, e, chunk));
      if (decl !== undefined) declarations.push(decl);
    }
    for (const c of parser.customErrors) errors.push({ ...c, kind: "syntax" });
    for (const m of parser.missingValues) {
      errors.push({
        start: m.at,
        end: m.at,
        message: `'${m.key}:' has no value: expected a value after the colon, found ${isRealToken(m.found) ? describeToken(m.found) : "the end of the declaration"}`,
        label: "a value was expected here",
        kind: "syntax",
      });
    }
  } finally {
    tokens.length = count;
  }
  const strings = parser.strings;
  // Keep nothing of this file in the parser but its strings (read next, by compiler/strings.ts).
  parser.release();
  return { tokens, comments, declarations, strings, errors };
}

/**
 * Deeper expression trees than this (long operator or field chains) are
 * refused by the checker before anything walks them recursively.
 */
export const MAX_EXPRESSION_DEPTH = 256;

/**
 * The first expression of a declaration whose tree is deeper than
 * MAX_EXPRESSION_DEPTH, for tools that walk an AST the checker has not seen
 * (the formatter). Iterative.
 */
export function tooDeepExpression(decl: A.Declaration | A.ImportDecl): { start: number; end: number } | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: decl, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (Array.isArray(node)) {
      for (const x of node) stack.push({ node: x, depth });
      continue;
    }
    const isExpr = typeof (node as { kind?: unknown }).kind === "string" && EXPR_KINDS.has((node as { kind: string }).kind);
    const d = isExpr ? depth + 1 : depth;
    if (d > MAX_EXPRESSION_DEPTH) return (node as { span: { start: number; end: number } }).span;
    for (const [k, v] of Object.entries(node)) {
      if (k === "span" || k === "operatorSpan" || k === "argsSpan" || k === "pathSpan" || k === "returnSpan" || typeof v !== "object") continue;
      stack.push({ node: v, depth: d });
    }
  }
  return undefined;
}

const EXPR_KINDS = new Set(["Number", "Duration", "String", "Boolean", "Null", "Name", "Field", "Index", "Call", "Unary", "Binary", "List", "Record", "Paren"]);

/** Deeper nesting than this is refused before parsing (the parser is recursive). */
export const MAX_NESTING = 64;

/** The token at which nesting first exceeds MAX_NESTING, if it does. */
function deepestNesting(tokens: readonly IToken[]): IToken | undefined {
  let depth = 0;
  let prefix = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const tt = t.tokenType;
    if (tt === T.LParen || tt === T.LBracket || tt === T.LBrace) depth++;
    else if (tt === T.RParen || tt === T.RBracket || tt === T.RBrace) depth = depth > 0 ? depth - 1 : 0;
    // Runs of prefix operators recurse too: `not not not x`, `- - - x`.
    if (tt === T.Not || tt === T.Minus) prefix++;
    else prefix = 0;
    if (depth + prefix > MAX_NESTING) return t;
  }
  return undefined;
}

/**
 * Parses a stand-alone expression (the inside of a `${...}` interpolation),
 * continuing the current file: its strings join parser.strings.
 */
export function parseExpressionTokens(tokens: IToken[]): { expr: A.Expr | undefined; errors: IRecognitionException[]; rest: number } {
  if (deepestNesting(tokens) !== undefined) return { expr: undefined, errors: [], rest: tokens.length };
  const pending = parser.strings;
  parser.input = tokens;
  parser.strings = pending;
  let expr: A.Expr | undefined;
  try {
    expr = parser.expression();
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return { expr: undefined, errors: [], rest: tokens.length };
  }
  const errors = [...parser.errors];
  // Anything the expression rule did not consume is reported by the caller.
  const consumed = (parser as unknown as { currIdx: number }).currIdx + 1;
  return { expr, errors, rest: Math.max(0, tokens.length - consumed) };
}

export function endOf(tok: IToken): number {
  return tok.startOffset + tok.image.length;
}

export function describeToken(tok: IToken): string {
  if (tok.tokenType === T.StringToken || tok.tokenType === T.UnterminatedString) return "a string";
  if (tok.tokenType.name === "EOF") return "the end of the file";
  if (tok.tokenType === T.Identifier) return `the name '${tok.image}'`;
  if (tok.tokenType === T.NumberToken) return `the number ${tok.image}`;
  if (tok.tokenType === T.Duration) return `the duration ${tok.image}`;
  if (T.keywordTokens.includes(tok.tokenType)) return `the keyword '${tok.image}'`;
  return `'${tok.image}'`;
}

function isRealToken(tok: IToken | undefined): tok is IToken {
  return tok !== undefined && tok.tokenType.name !== "EOF" && Number.isFinite(tok.startOffset) && !tok.isInsertedInRecovery;
}

function syntaxError(text: string, e: IRecognitionException, chunk: readonly IToken[]): SyntaxError {
  const stack = e.context?.ruleStack ?? [];
  let what = "";
  for (let k = stack.length - 1; k >= 0; k--) {
    const d = ruleDescriptions[stack[k]!];
    if (d !== undefined && stack[k] !== "declaration" && stack[k] !== "expression") {
      what = d;
      break;
    }
  }
  const expected = e.message;
  const tok = e.token;
  const previous = (e as IRecognitionException & { previousToken?: IToken }).previousToken;
  const found = isRealToken(tok) ? describeToken(tok) : "the end of the declaration";
  const closesBlock = e.name === "MismatchedTokenException" && isRealToken(tok) && (tok.tokenType === T.Task || tok.tokenType === T.Template || tok.tokenType === T.Return) && expected.endsWith("'}'");
  const message = closesBlock
    ? `expected '}' to close ${what || "the block"} before ${found}`
    : `expected ${expected}${what ? ` in ${what}` : ""}, found ${found}`;
  // Point at the token found, unless it is on a later line than the last good
  // token (a missing '}' at a line end): then point just after that token.
  const last = isRealToken(previous) ? previous : lastRealBefore(chunk, tok);
  if (isRealToken(tok)) {
    if (last !== undefined && e.name === "MismatchedTokenException" && hasLineBreak(text, endOf(last), tok.startOffset)) {
      const at = endOf(last);
      return { start: at, end: at, message, label: `expected ${expected} here`, kind: "syntax" };
    }
    return { start: tok.startOffset, end: endOf(tok), message, label: `expected ${expected}`, kind: "syntax" };
  }
  const at = last !== undefined ? endOf(last) : text.length;
  return { start: at, end: at, message, label: `expected ${expected} here`, kind: "syntax" };
}

function lastRealBefore(chunk: readonly IToken[], tok: IToken): IToken | undefined {
  if (isRealToken(tok)) {
    let idx = chunk.indexOf(tok);
    while (--idx >= 0) if (isRealToken(chunk[idx])) return chunk[idx];
    return undefined;
  }
  for (let k = chunk.length - 1; k >= 0; k--) if (isRealToken(chunk[k])) return chunk[k];
  return undefined;
}

function hasLineBreak(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
  }
  return false;
}

/**
 * Maps the offset of the first token after each run of `///` comments to the
 * run's text. A run belongs to the declaration that starts right after it.
 */
export function docCommentsByTarget(text: string, comments: readonly IToken[]): Map<number, string> {
  const out = new Map<number, string>();
  // The run so far, its lines joined by "\n" ("" and inRun false when none).
  let joined = "";
  let inRun = false;
  let lastEnd = -1;
  for (let i = 0; i < comments.length; i++) {
    const c = comments[i]!;
    if (c.tokenType !== T.DocComment) {
      inRun = false;
      continue;
    }
    if (inRun && !onlyWhitespace(text, lastEnd, c.startOffset)) inRun = false;
    const image = c.image;
    // The text after "///" and one optional space.
    const line = image.charCodeAt(3) === 32 ? image.slice(4) : image.slice(3);
    joined = inRun ? `${joined}\n${line}` : line;
    inRun = true;
    lastEnd = endOf(c);
    let next = lastEnd;
    while (next < text.length && isSpace(text.charCodeAt(next))) next++;
    out.set(next, joined);
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
