// Diagnostics as data: every problem the compiler finds is one of these
// records, rendered for a terminal (render-diagnostic.ts), as JSON, or for LSP.

import { spanOf, type Span } from "./source.ts";
import { DIAGNOSTIC_CODES, type DiagnosticCode } from "./diagnostic-codes.ts";

export type Severity = "error" | "warning";

export interface Label {
  readonly span: Span;
  readonly message: string;
}

export interface TextEdit {
  readonly span: Span;
  readonly newText: string;
}

/** A suggested change; `machineApplicable` when it is certainly right. */
export interface Fix {
  readonly message: string;
  readonly edits: readonly TextEdit[];
  readonly machineApplicable: boolean;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  /** Stands alone: an editor may show only this. */
  readonly message: string;
  readonly primary: Label;
  readonly secondary: readonly Label[];
  readonly notes: readonly string[];
  readonly help?: string;
  readonly fix?: Fix;
}

export interface DiagnosticInit {
  message: string;
  span: Span;
  label?: string;
  secondary?: Label[];
  notes?: string[];
  help?: string;
  fix?: Fix;
  severity?: Severity;
}

/** Spans are copied: a span may be an AST node (compiler/ast.ts), which a diagnostic must not hold. */
export function diagnostic(code: DiagnosticCode, init: DiagnosticInit): Diagnostic {
  const d: Diagnostic = {
    code,
    severity: init.severity ?? DIAGNOSTIC_CODES[code].severity,
    message: init.message,
    primary: { span: spanOf(init.span), message: init.label ?? "" },
    secondary: init.secondary?.map((l) => ({ span: spanOf(l.span), message: l.message })) ?? [],
    notes: init.notes ?? [],
    ...(init.help !== undefined ? { help: init.help } : {}),
    ...(init.fix !== undefined ? { fix: { message: init.fix.message, edits: init.fix.edits.map((e) => ({ span: spanOf(e.span), newText: e.newText })), machineApplicable: init.fix.machineApplicable } } : {}),
  };
  return d;
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

/** Stable order: file, position, code, message. Keeps golden files from flapping. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      cmp(a.primary.span.file, b.primary.span.file) ||
      a.primary.span.start - b.primary.span.start ||
      a.primary.span.end - b.primary.span.end ||
      cmp(a.code, b.code) ||
      cmp(a.message, b.message),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
