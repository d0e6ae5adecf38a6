// Compiler diagnostics -> LSP diagnostics: the message, the primary span as
// the range, the code (linked to `aiwc explain`), secondary labels as related
// information; notes and help are appended to the message, as the terminal shows them.

import { DiagnosticSeverity, DiagnosticTag, type Diagnostic as LspDiagnostic, type DiagnosticRelatedInformation } from "vscode-languageserver";
import type { Diagnostic } from "../compiler/diagnostics.ts";
import type { SourceFile } from "../compiler/source.ts";
import { location, spanRange } from "./positions.ts";

export interface FileLookup {
  /** Source and URI of a file by its display path (the `file` of spans). */
  (displayPath: string): { uri: string; source: SourceFile } | undefined;
}

export function toLspDiagnostic(d: Diagnostic, source: SourceFile, files: FileLookup): LspDiagnostic {
  const related: DiagnosticRelatedInformation[] = [];
  for (const s of d.secondary) {
    const f = files(s.span.file);
    if (f !== undefined) related.push({ location: location(f.uri, f.source, s.span), message: s.message });
  }
  const extra = [...d.notes.map((n) => `note: ${n}`), ...(d.help !== undefined ? [`help: ${d.help}`] : [])];
  return {
    range: spanRange(source, d.primary.span),
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: "aiwc",
    message: extra.length > 0 ? `${d.message}\n${extra.join("\n")}` : d.message,
    ...(d.code === "AIW0501" ? { tags: [DiagnosticTag.Unnecessary] } : {}),
    ...(related.length > 0 ? { relatedInformation: related } : {}),
  };
}
