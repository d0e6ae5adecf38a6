// The front door for one file: text -> FileAst plus syntax diagnostics.
// Never throws, whatever the text holds.

import type { IToken } from "chevrotain";
import { parseText, type SyntaxError } from "../grammar/parse.ts";
import type * as A from "./ast.ts";
import { diagnostic, type Diagnostic } from "./diagnostics.ts";
import { readStrings } from "./strings.ts";

export interface ParsedFile {
  readonly ast: A.FileAst;
  readonly diagnostics: readonly Diagnostic[];
  /** Significant tokens, for editor features that work on tokens: only when asked for (they cost memory). */
  readonly tokens?: readonly IToken[];
  /** The comment tokens, with `tokens` (the tree has the comments as `ast.comments`). */
  readonly comments?: readonly IToken[];
}

export function parseFile(path: string, text: string, options: { tokens: true }): ParsedFile & { readonly tokens: readonly IToken[]; readonly comments: readonly IToken[] };
export function parseFile(path: string, text: string, options?: { tokens?: boolean }): ParsedFile;
export function parseFile(path: string, text: string, options: { tokens?: boolean } = {}): ParsedFile {
  const parsed = parseText(path, text, options);
  const diagnostics = parsed.errors.map((e) => syntaxDiagnostic(path, e));
  readStrings(path, parsed.strings as never, diagnostics);
  const imports: A.ImportDecl[] = [];
  const declarations: A.Declaration[] = [];
  for (const d of parsed.declarations) {
    if (d.kind === "Import") imports.push(d);
    else declarations.push(d);
  }
  return {
    ast: { path, imports, declarations, comments: parsed.comments, span: { file: path, start: 0, end: text.length } },
    diagnostics,
    ...(parsed.tokens !== undefined ? { tokens: parsed.tokens, comments: parsed.commentTokens! } : {}),
  };
}

function syntaxDiagnostic(file: string, e: SyntaxError): Diagnostic {
  const span = { file, start: e.start, end: e.end };
  const fix = e.replacement !== undefined ? { fix: { message: e.help ?? "fix it", edits: [{ span, newText: e.replacement }], machineApplicable: true } } : {};
  switch (e.kind) {
    case "character":
      return diagnostic("AIW0001", { message: e.message, span, label: e.label, ...(e.help !== undefined ? { help: e.help } : {}), ...fix });
    case "unterminated-string":
      return diagnostic("AIW0002", { message: e.message, span, label: e.label, help: "close the string with '\"'; write '\\n' for a line break inside it" });
    case "syntax":
      return diagnostic("AIW0003", { message: e.message, span, label: e.label });
  }
}
