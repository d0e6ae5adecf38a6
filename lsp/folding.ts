// textDocument/foldingRange: blocks, lists and argument lists that span
// lines, block comments, runs of line comments, and runs of imports.

import { FoldingRangeKind, type FoldingRange } from "vscode-languageserver";
import type { IToken } from "chevrotain";
import { positionAt, type SourceFile } from "../compiler/source.ts";
import * as T from "../grammar/tokens.ts";
import { commentTokensOf, tokensOf, type Analysis } from "./analysis.ts";

const line = (source: SourceFile, offset: number) => positionAt(source, offset).line - 1;

export function foldingRanges(a: Analysis, source: SourceFile): FoldingRange[] {
  const out: FoldingRange[] = [];
  const stack: IToken[] = [];
  for (const t of tokensOf(a.file)) {
    const tt = t.tokenType;
    if (tt === T.LBrace || tt === T.LParen || tt === T.LBracket) stack.push(t);
    else if (tt === T.RBrace || tt === T.RParen || tt === T.RBracket) {
      const open = stack.pop();
      if (open === undefined) continue;
      const from = line(source, open.startOffset);
      const to = line(source, t.startOffset) - 1;
      if (to > from) out.push({ startLine: from, endLine: to });
    }
  }
  let run: { from: number; to: number } | undefined;
  const flush = () => {
    if (run !== undefined && run.to > run.from) out.push({ startLine: run.from, endLine: run.to, kind: FoldingRangeKind.Comment });
    run = undefined;
  };
  for (const c of commentTokensOf(a.file)) {
    const from = line(source, c.startOffset);
    const to = line(source, c.startOffset + c.image.length);
    if (c.tokenType === T.BlockComment) {
      flush();
      if (to > from) out.push({ startLine: from, endLine: to, kind: FoldingRangeKind.Comment });
      continue;
    }
    if (run !== undefined && from === run.to + 1) run.to = from;
    else {
      flush();
      run = { from, to: from };
    }
  }
  flush();
  const imports = a.file.parsed.ast.imports;
  if (imports.length > 1) {
    const from = line(source, imports[0]!.start);
    const to = line(source, imports[imports.length - 1]!.end);
    if (to > from) out.push({ startLine: from, endLine: to, kind: FoldingRangeKind.Imports });
  }
  return out.sort((x, y) => x.startLine - y.startLine || y.endLine - x.endLine);
}
