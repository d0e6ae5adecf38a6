// textDocument/codeAction: the fixes the compiler's diagnostics suggest
// (Diagnostic.fix), as quick fixes; a fix marked machine-applicable is the
// preferred one. Its edits may touch other files (an agent's tool list).

import { CodeActionKind, type CodeAction, type Diagnostic as LspDiagnostic, type Range, type TextEdit } from "vscode-languageserver";
import type { Analysis } from "./analysis.ts";
import { spanRange, toOffset } from "./positions.ts";
import type { SourceFile } from "../compiler/source.ts";
import type { Workspace } from "./workspace.ts";

export function codeActions(ws: Workspace, a: Analysis, source: SourceFile, range: Range, reported: readonly LspDiagnostic[]): CodeAction[] {
  const start = toOffset(source, range.start);
  const end = toOffset(source, range.end);
  const out: CodeAction[] = [];
  for (const d of a.diagnostics) {
    if (d.fix === undefined || d.fix.edits.length === 0) continue;
    const s = d.primary.span;
    if (s.end < start || s.start > end) continue;
    const changes: Record<string, TextEdit[]> = {};
    let ok = true;
    for (const e of d.fix.edits) {
      const file = a.program.byDisplayPath.get(e.span.file);
      const fileSource = file ? (file.absolutePath === a.root ? source : file.source) : undefined;
      if (file === undefined || fileSource === undefined) {
        ok = false;
        break;
      }
      (changes[ws.uriOf(file.absolutePath)] ??= []).push({ range: spanRange(fileSource, e.span), newText: e.newText });
    }
    if (!ok) continue;
    const matching = reported.filter((r) => r.code === d.code && r.range.start.line === spanRange(source, s).start.line);
    out.push({
      title: d.fix.message,
      kind: CodeActionKind.QuickFix,
      ...(matching.length > 0 ? { diagnostics: matching } : {}),
      isPreferred: d.fix.machineApplicable,
      edit: { changes },
    });
  }
  return out;
}
