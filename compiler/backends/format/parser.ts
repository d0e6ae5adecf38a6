// The Prettier parser for `.aiw`: parseFile, then the formatter's tree. Files
// with syntax errors are refused: formatting a half-parsed file would drop code.

import type { Parser } from "prettier";
import type { Diagnostic } from "../../diagnostics.ts";
import { parseFile } from "../../parse-file.ts";
import { positionAt, sourceFile } from "../../source.ts";
import { toFormatComment } from "./comments.ts";
import { buildTree, type FComment, type FNode } from "./tree.ts";

/** Lexer and parser errors, and malformed strings: the codes that make a file unformattable. */
export const SYNTAX_ERROR_CODES: ReadonlySet<string> = new Set(["AIW0001", "AIW0002", "AIW0003", "AIW0004", "AIW0005"]);

export function syntaxErrors(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === "error" && SYNTAX_ERROR_CODES.has(d.code));
}

/** The error Prettier reports; `loc` makes it print a code frame. */
export class AiwSyntaxError extends Error {
  readonly loc: { start: { line: number; column: number } };

  constructor(path: string, text: string, d: Diagnostic) {
    const pos = positionAt(sourceFile(path, text), d.primary.span.start);
    super(`${d.message} (${pos.line}:${pos.column}) [${d.code}]`);
    this.name = "SyntaxError";
    this.loc = { start: pos };
  }
}

function parse(text: string, options: { filepath?: string }): FNode {
  const path = options.filepath ?? "<input>";
  const parsed = parseFile(path, text, { tokens: true });
  const first = syntaxErrors(parsed.diagnostics).sort((a, b) => a.primary.span.start - b.primary.span.start)[0];
  if (first !== undefined) throw new AiwSyntaxError(path, text, first);
  const comments: FComment[] = parsed.ast.comments.map(toFormatComment);
  return buildTree(parsed.ast, parsed.tokens, comments);
}

export const aiwParser: Parser<FNode | FComment> = {
  parse,
  astFormat: "aiw-ast",
  locStart: (node) => node.start,
  locEnd: (node) => node.end,
};
